using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Benchmarks.Scenarios;

namespace FeaturePlatform.Benchmarks;

/// <summary>Every benchmark scenario. Add new ones here.</summary>
internal static class ScenarioRegistry
{
    public static IReadOnlyList<IBenchmarkScenario> All { get; } =
    [
        new KafkaMockScenario(),
        new HBasePutScenario(),
        new Scenarios.EmbeddedPutScenario(),
        new EventIngestScenario(),
        new AsOfFetchScenario(),
        new KafkaIngestScenario(),
        new Scenarios.Ingest.WatermarkLagScenario(),
        new PyBridgeCallsScenario(),
        new PyBridgeLatencyScenario(),
        new Scenarios.Runtime.RuntimeReplayScenario(),
        new Scenarios.Runtime.RuntimeScaleOutScenario(),
        new Scenarios.Runtime.RuntimeLiveLatencyScenario(),
        new Scenarios.Runtime.RuntimeLiveThroughputScenario(),
        new Scenarios.Runtime.RepairScenario(),
        new Scenarios.Calls.RequestPollScenario(),
        new Scenarios.Api.ApiLookupScenario(),
        new Scenarios.Selection.SelectionScenario(),
        new Scenarios.Selection.SelectionWritePathScenario(),
        new Scenarios.StorageFootprintScenario(),
        new Scenarios.Cluster.ClusterScaleOutScenario(),
    ];
}
