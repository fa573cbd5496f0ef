using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FeaturePlatform.Runtime.Diagnostics;

/// <summary>How a run loop was started: its series are labelled with it.</summary>
public enum RunMode
{
    /// <summary>Live on the bus.</summary>
    Live,

    /// <summary>Replay over a time range or a sample table (backtests, backfills, sharded replays).</summary>
    Replay,

    /// <summary>On call (message-forward or request API).</summary>
    Call,
}

/// <summary>
/// The runtime's instruments on meter <see cref="MeterName"/>: events, results and failures per job and mode, and call
/// latency per job. Every run loop records here (<see cref="Execution.JobRunner"/>), so live, replay and call count alike.
/// </summary>
public sealed class RuntimeMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.Runtime";

    private readonly Counter<long> events;
    private readonly Counter<long> results;
    private readonly Counter<long> failures;
    private readonly Histogram<double> batchDuration;
    private readonly Histogram<double> callDuration;

    /// <summary>Creates the instruments.</summary>
    public RuntimeMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        events = meter.CreateCounter<long>("runtime.job.events", description: "Trigger events run by a job's logic, by job and mode (live, replay, call).");
        results = meter.CreateCounter<long>("runtime.job.results", description: "Result rows a job wrote to its outputs, by job and mode.");
        failures = meter.CreateCounter<long>("runtime.job.failures", description: "Events whose logic failed (error records), by job and mode.");
        batchDuration = meter.CreateHistogram<double>("runtime.job.batch.duration", unit: "s",
            description: "Time to run a batch's logic and write its results, by job and mode.");
        callDuration = meter.CreateHistogram<double>("runtime.call.duration", unit: "s",
            description: "Time from a call's request to its answer (storing the event, running the logic, writing outputs), by job.");
    }

    /// <summary>Records one batch of a run loop.</summary>
    public void RecordBatch(string job, RunMode mode, long eventCount, long resultCount, long failureCount, TimeSpan busy)
    {
        var tags = new TagList { { "job", job }, { "mode", ModeName(mode) } };
        events.Add(eventCount, tags);
        results.Add(resultCount, tags);
        if (failureCount > 0)
        {
            failures.Add(failureCount, tags);
        }
        batchDuration.Record(busy.TotalSeconds, tags);
    }

    /// <summary>Records the latency of one answered call.</summary>
    public void RecordCall(string job, TimeSpan elapsed) => callDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("job", job));

    private static string ModeName(RunMode mode) => mode switch
    {
        RunMode.Live => "live",
        RunMode.Replay => "replay",
        _ => "call",
    };
}
