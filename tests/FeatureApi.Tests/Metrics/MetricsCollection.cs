namespace FeaturePlatform.FeatureApi.Tests.Metrics;

/// <summary>
/// Tests that read <c>/metrics</c> run alone: OpenTelemetry's meter provider listens to meters by name across the
/// process, and identically named instruments of another test host share its metric streams, which vanish when that
/// host is disposed. A production process runs one host.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
