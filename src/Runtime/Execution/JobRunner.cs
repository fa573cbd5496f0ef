using System.Diagnostics;
using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Models;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// The one run loop of every mode: take a batch from the trigger, run the logic on it (one crossing into Python
/// per batch), write the results to every output, record failures, then acknowledge the batch. A failing event
/// is retried alone and, after <see cref="Quarantine.QuarantineSettings.MaxAttempts"/> failed runs, quarantined
/// (<see cref="Quarantine.EventQuarantine"/>); it becomes an error record and never blocks the events after it.
/// </summary>
/// <remarks>
/// Every result and error carries the version (content hash) of the code that ran its event. With a
/// <see cref="ParameterPlan"/> (replays) each event runs with the parameter values the plan gives for its event time;
/// without one (live, calls) with the job's current values.
/// </remarks>
public sealed partial class JobRunner(
    RegisteredJob job,
    IFeatureDataSource dataSource,
    IReadOnlyList<IJobOutput> outputs,
    JobErrorLog errors,
    ILogger logger,
    TimeProvider? clock = null,
    RuntimeMetrics? metrics = null,
    RunMode mode = RunMode.Live,
    ParameterPlan? parameters = null,
    Repair.ComputationRecorder? recorder = null,
    Quarantine.EventQuarantine? quarantine = null,
    IJobLogic? logic = null)
{
    private readonly IJobLogic logic = logic ?? job.Logic;
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private JobParameterSet? livePinned;

    /// <summary>What this runner has done.</summary>
    public RunCounters Counters { get; } = new();

    /// <summary>Runs the logic on <paramref name="events"/> and writes the results; returns them.</summary>
    public async Task<IReadOnlyList<FeatureResult>> RunBatchAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken) =>
        (await RunBatchWithErrorsAsync(events, cancellationToken)).Results;

    /// <summary>
    /// Runs the logic on <paramref name="events"/>, writes the results and the error records; returns both (for callers
    /// that answer a request and must say why an event produced nothing).
    /// </summary>
    public async Task<BatchOutcome> RunBatchWithErrorsAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var computed = await ComputeAsync(events, cancellationToken);
        await WriteAsync(computed, cancellationToken);
        return computed.Outcome;
    }

    /// <summary>Runs the logic: the batch's result rows and error records, not written yet.</summary>
    private async Task<ComputedBatch> ComputeAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The declared Trigger(where=…) filters, here and nowhere else: live, replay and calls skip the same events.
        events = Triggers.TriggerFilter.Apply(job.Declaration, events);
        // Calls run as single calls (latency lane: answered at once, never behind another call's read) with the values
        // in force now; live and replay batches on the bulk lane with the parameter sets in force at each event's time.
        // The logic, the results and the error records are the same.
        var input = events.Select(ToFeatureEvent).ToList();
        // In flight until its reads are recorded: a repair of an event stored meanwhile waits for them.
        var inFlight = recorder?.InFlight.Begin();
        var startedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            return await ComputeAsync(events, input, started, startedAt, inFlight, cancellationToken);
        }
        catch
        {
            if (inFlight is { } token)
            {
                recorder!.InFlight.End(token);
            }
            throw;
        }
    }

    private async Task<ComputedBatch> ComputeAsync(IReadOnlyList<ChangeEvent> events, List<FeatureEvent> input, long started, long startedAt, long? inFlight, CancellationToken cancellationToken)
    {
        // With a recorder every read is noted with the event it served (read tracking for late-data repair).
        var batchSource = BatchHistoryReads.For(dataSource, events);
        var tracked = recorder is { TracksReads: true } ? new Repair.TrackedReads(batchSource) : null;
        var source = (IFeatureDataSource?)tracked ?? batchSource;
        // The identity of the values each event runs with (the plan's at its time, else the job's current values), for the result log.
        var parameterIds = recorder is null ? null : ParameterIds(events);
        var maxAttempts = quarantine is { Settings.Enabled: true } q ? q.Settings.MaxAttempts : 0;
        var sets = parameters?.Assign(events);
        var models = ModelsOf(events, ref sets);
        var (outcomes, failedRuns) = await Quarantine.EventQuarantine.RunAsync(logic, job, input, source, mode, sets, maxAttempts, cancellationToken);
        var results = new List<FeatureResult>(events.Count);
        var failed = new List<JobError>();
        var quarantined = new List<Quarantine.QuarantinedEvent>();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        string? counted = null;
        var run = 0;
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            var version = outcome.Version;
            if (version != counted)
            {
                CountVersion(counted, run);
                (counted, run) = (version, 0);
            }
            run++;
            if (outcome.Error is { } error)
            {
                failed.Add(new JobError(job.Name, version, events[i], error.PythonType, error.PythonMessage, error.PythonTraceback, now));
                if (maxAttempts > 0)
                {
                    quarantined.Add(new Quarantine.QuarantinedEvent(job.Name, version, ModeName, events[i], error.PythonType, error.PythonMessage, error.PythonTraceback,
                        failedRuns[i], now));
                }
                continue;
            }
            for (var r = 0; r < outcome.Rows.Count; r++)
            {
                results.Add(new FeatureResult(job.Name, version, events[i], r, [.. outcome.Rows[r].ToDictionary()]) { Models = models?[i] ?? ModelBindings.None });
            }
        }
        CountVersion(counted, run);
        return new ComputedBatch(events, new BatchOutcome(results, failed), Stopwatch.GetElapsedTime(started), tracked?.Reads ?? [], startedAt, inFlight, parameterIds)
        {
            Quarantined = quarantined,
        };
    }

    /// <summary>
    /// The model versions each event runs with, recorded on its rows (null when the job declares no models). Live batches
    /// run with the job's current values pinned for the whole batch, so a change applied meanwhile cannot make a row
    /// record another version than the one its logic used.
    /// </summary>
    private IReadOnlyDictionary<string, string>[]? ModelsOf(IReadOnlyList<ChangeEvent> events, ref JobParameterSet[]? sets)
    {
        if (job.Declaration.Models.Count == 0)
        {
            return null;
        }
        if (sets is null && mode != RunMode.Call)
        {
            var current = job.Loaded.Parameters;
            var pinned = livePinned is { } p && ReferenceEquals(p.Values, current) ? p : livePinned = new JobParameterSet(current);
            sets = [.. events.Select(_ => pinned)];
        }
        var result = new IReadOnlyDictionary<string, string>[events.Count];
        JobParameterSet? last = null;
        IReadOnlyDictionary<string, string>? lastModels = null;
        for (var i = 0; i < events.Count; i++)
        {
            var set = sets?[i];
            if (set is null || !ReferenceEquals(set, last))
            {
                lastModels = ModelBindings.Of(job.Declaration, set?.Values ?? job.Loaded.Parameters);
                last = set;
            }
            result[i] = lastModels!;
        }
        return result;
    }

    private string[] ParameterIds(IReadOnlyList<ChangeEvent> events)
    {
        if (parameters is not null)
        {
            return [.. events.Select(e => parameters.IdentityAt(e.EventTime))];
        }
        var current = ParameterIdentity.Of(job.Declaration, job.Loaded.Parameters);
        return [.. events.Select(_ => current)];
    }

    private void CountVersion(string? version, int events)
    {
        if (version is not null && events > 0)
        {
            Counters.AddVersion(version, events);
            job.RecordRan(version);
        }
    }

    /// <summary>Writes a computed batch to every output and its failures to the error log; counts it.</summary>
    private async Task WriteAsync(ComputedBatch computed, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (results, failed) = (computed.Outcome.Results, computed.Outcome.Errors);
        try
        {
            // First, before the outputs (while the logic already runs on the next batch): a repair of an event stored
            // while this batch was computed waits for these reads, and for the outputs, so that its corrected rows are
            // written after this batch's.
            if (recorder is not null)
            {
                await recorder.RecordAsync(job.Name, computed.Triggers, computed.Outcome, computed.Reads, computed.StartedAt, cancellationToken, computed.ParameterIds);
            }
            // The outputs are independent (each keeps its own order): written side by side, the batch waits for the
            // slowest instead of their sum, and writes of one store share its group commit.
            if (outputs.Count == 1)
            {
                await outputs[0].WriteAsync(results, cancellationToken);
            }
            else if (outputs.Count > 1)
            {
                await Task.WhenAll(outputs.Select(output => output.WriteAsync(results, cancellationToken).AsTask()));
            }
        }
        finally
        {
            if (computed.InFlight is { } token)
            {
                recorder!.InFlight.End(token);
            }
        }
        await errors.WriteAsync(failed, cancellationToken);
        foreach (var e in failed)
        {
            logger.LogWarning("Job {Job} v{Version} failed on {Source}/{EventId}: {Type}: {Message}", e.Job, e.JobVersion, e.Trigger.Source, e.Trigger.EventId, e.ErrorType, e.Message);
        }
        // Recorded before the batch is acknowledged: a quarantined event is skipped only once it is on record.
        if (computed.Quarantined.Count > 0)
        {
            await quarantine!.Log.AddAsync(computed.Quarantined, cancellationToken);
        }
        foreach (var q in computed.Quarantined)
        {
            logger.LogError("Job {Job} quarantined {Source}/{EventId} after {Attempts} failed runs: {Type}: {Message}", q.Job, q.Event.Source, q.Event.EventId, q.Attempts,
                q.ErrorType, q.Message);
        }
        var busy = computed.Busy + Stopwatch.GetElapsedTime(started);
        Counters.Add(computed.Triggers.Count, results.Count, failed.Count, busy);
        metrics?.RecordBatch(job.Name, mode, computed.Triggers.Count, results.Count, failed.Count, busy);
    }

    private string ModeName => mode switch
    {
        RunMode.Live => "live",
        RunMode.Replay => "replay",
        _ => "call",
    };

    private sealed record ComputedBatch(IReadOnlyList<ChangeEvent> Triggers, BatchOutcome Outcome, TimeSpan Busy, IReadOnlyCollection<Repair.TrackedRead> Reads, long StartedAt, long? InFlight,
        IReadOnlyList<string>? ParameterIds)
    {
        /// <summary>The batch's events the run loop gave up on (recorded before the batch is acknowledged).</summary>
        public IReadOnlyList<Quarantine.QuarantinedEvent> Quarantined { get; init; } = [];
    }

    /// <summary>The event as the logic sees it: its data is the after-image (the before-image for deletes).</summary>
    public static FeatureEvent ToFeatureEvent(ChangeEvent e)
    {
        var image = e.After ?? e.Before;
        return new FeatureEvent(e.Source, e.EntityKey, e.EventTime, image is null ? null : Encoding.UTF8.GetString(image), e.EventId);
    }
}

/// <summary>Counts of a runner (thread-safe).</summary>
public sealed class RunCounters
{
    private long events;
    private long results;
    private long failures;
    private long busyTicks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> versions = new(StringComparer.Ordinal);

    /// <summary>Events run.</summary>
    public long Events => Interlocked.Read(ref events);

    /// <summary>Result rows written.</summary>
    public long Results => Interlocked.Read(ref results);

    /// <summary>Events whose logic failed.</summary>
    public long Failures => Interlocked.Read(ref failures);

    /// <summary>Time spent running batches.</summary>
    public TimeSpan Busy => TimeSpan.FromTicks(Interlocked.Read(ref busyTicks));

    /// <summary>Events run per job version (content hash of the code that ran them).</summary>
    public IReadOnlyDictionary<string, long> EventsByVersion => versions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    internal void AddVersion(string version, long eventCount) => versions.AddOrUpdate(version, eventCount, (_, n) => n + eventCount);

    internal void Add(long eventCount, long resultCount, long failureCount, TimeSpan busy)
    {
        Interlocked.Add(ref events, eventCount);
        Interlocked.Add(ref results, resultCount);
        Interlocked.Add(ref failures, failureCount);
        Interlocked.Add(ref busyTicks, busy.Ticks);
    }
}
