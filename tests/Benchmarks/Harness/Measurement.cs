using System.Text.Json.Serialization;

namespace FeaturePlatform.Benchmarks.Harness;

/// <summary>
/// One measured figure and its same-run baseline. Serialised as
/// <c>{ "name", "value", "unit", "baseline", "baseline_value", "ratio" }</c>.
/// </summary>
public sealed record Measurement(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("baseline")] string Baseline,
    [property: JsonPropertyName("baseline_value")] double BaselineValue,
    [property: JsonPropertyName("ratio")] double Ratio)
{
    /// <summary>A rate or throughput, where higher is better: ratio = value / baseline.</summary>
    public static Measurement HigherIsBetter(string name, double value, string unit, string baseline, double baselineValue) =>
        new(name, value, unit, baseline, baselineValue, baselineValue == 0 ? 0 : value / baselineValue);

    /// <summary>A latency or cost, where lower is better: ratio = baseline / value (above 1 means better than the baseline).</summary>
    public static Measurement LowerIsBetter(string name, double value, string unit, string baseline, double baselineValue) =>
        new(name, value, unit, baseline, baselineValue, value == 0 ? 0 : baselineValue / value);

    /// <summary>
    /// A figure checked against a fixed target (e.g. p99 ≤ 100 µs): the baseline is the target, ratio = target / value
    /// (≥ 1 means the target is met).
    /// </summary>
    public static Measurement AgainstTarget(string name, double value, string unit, double target) =>
        new(name, value, unit, $"target ≤ {target} {unit}", target, value == 0 ? double.PositiveInfinity : target / value);
}
