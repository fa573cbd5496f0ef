using FeaturePlatform.Benchmarks.Harness;

namespace FeaturePlatform.Benchmarks;

/// <summary>Every benchmark scenario. Add new ones here.</summary>
internal static class ScenarioRegistry
{
    public static IReadOnlyList<IBenchmarkScenario> All { get; } =
    [
        new Scenarios.EmbeddedPutScenario(),
    ];
}
