using System.Diagnostics.Metrics;
using FeaturePlatform.Runtime.Diagnostics;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>The parity check's and the correction replay's instruments on the runtime's meter (<see cref="RuntimeMetrics.MeterName"/>).</summary>
public sealed class ParityMetrics
{
    private readonly Counter<long> runs;
    private readonly Counter<long> rows;
    private readonly Counter<long> differences;
    private readonly Counter<long> corrected;

    /// <summary>Creates the instruments.</summary>
    public ParityMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(RuntimeMetrics.MeterName);
        runs = meter.CreateCounter<long>("runtime.parity.runs", description: "Parity checks and correction runs ended, by job, kind (check, correction) and state.");
        rows = meter.CreateCounter<long>("runtime.parity.rows", description: "Rows compared, by job and outcome (equal, differing, live-missing, replay-missing).");
        differences = meter.CreateCounter<long>("runtime.parity.differences", description: "Rows not equal, by job and cause (version, parameters, late-data, other).");
        corrected = meter.CreateCounter<long>("runtime.correction.rows", description: "Rows rewritten to the live outputs by correction runs, by job.");
    }

    internal void Ended(string job, bool correct, string state, ParityCounts counts)
    {
        var tag = new KeyValuePair<string, object?>("job", job);
        runs.Add(1, tag, new("kind", correct ? "correction" : "check"), new("state", state));
        foreach (var (outcome, count) in new[] { ("equal", counts.Equal), ("differing", counts.Differing), ("live-missing", counts.LiveMissing), ("replay-missing", counts.ReplayMissing) })
        {
            if (count > 0)
            {
                rows.Add(count, tag, new("outcome", outcome));
            }
        }
        foreach (var (cause, count) in counts.ByCause)
        {
            differences.Add(count, tag, new("cause", cause));
        }
        if (counts.Corrected > 0)
        {
            corrected.Add(counts.Corrected, tag);
        }
    }
}
