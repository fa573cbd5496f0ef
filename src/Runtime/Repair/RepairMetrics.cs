using System.Diagnostics.Metrics;
using FeaturePlatform.Runtime.Diagnostics;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>Late-data repair's instruments on the runtime's meter (<see cref="RuntimeMetrics.MeterName"/>).</summary>
public sealed class RepairMetrics
{
    private readonly Counter<long> changing;
    private readonly Counter<long> recomputed;
    private readonly Counter<long> corrected;
    private readonly Histogram<double> latency;

    /// <summary>Creates the instruments.</summary>
    public RepairMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(RuntimeMetrics.MeterName);
        changing = meter.CreateCounter<long>("runtime.repair.late_events", description: "Stored events that computations had read around before they were stored (late or out of order), by source.");
        recomputed = meter.CreateCounter<long>("runtime.repair.recomputed", description: "Computations run again because an event changed what they read, by job.");
        corrected = meter.CreateCounter<long>("runtime.repair.corrections", description: "Result rows whose repaired value differed: outputs replaced, corrections sent, by job.");
        latency = meter.CreateHistogram<double>("runtime.repair.latency", unit: "s", description: "From a changing event stored to its repaired outputs written, by source.");
    }

    internal void Changing(string source, int events) => changing.Add(events, new KeyValuePair<string, object?>("source", source));

    internal void Recomputed(string job, int computations, int corrections)
    {
        var tag = new KeyValuePair<string, object?>("job", job);
        recomputed.Add(computations, tag);
        corrected.Add(corrections, tag);
    }

    internal void Repaired(string source, TimeSpan sinceStored) => latency.Record(sinceStored.TotalSeconds, new KeyValuePair<string, object?>("source", source));
}
