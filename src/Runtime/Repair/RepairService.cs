using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// Late-data repair (SEMANTICS.md §4): follows every source's stored events (consumer group
/// <c>featureplatform-repair-&lt;source&gt;</c>, the stored canonical events as live triggers see them) and, for each,
/// finds in the <see cref="ReadIndex"/> the live computations that read its entity over a range covering its time
/// before it was stored. Those computations run again, with the job's current code and parameter values, and their
/// outputs are replaced where the result changed (<see cref="CorrectionOutput"/>): the feature store's row at the
/// trigger's event time is overwritten (newest revision wins), the event-center output gets a new revision, Kafka and
/// RabbitMQ get a message flagged as a correction. The result log gets the new revision either way.
/// </summary>
/// <remarks>
/// An event is looked at once every batch of this process that started computing before it was seen stored has recorded
/// its reads and written its outputs (and <see cref="RepairSettings.Delay"/> after it was stored, for other processes'
/// batches); a computation that started later saw it and is not run again. What a batch of another process computing
/// longer than the delay read before the event was stored is left to the correction replay (the parity check reports it).
/// </remarks>
public sealed class RepairService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
    ConsistencyWaiter waiter,
    IEventReader events,
    ComputationRecorder recorder,
    OutputFactory outputFactory,
    JobErrorLog errors,
    RepairMetrics metrics,
    TimeProvider clock,
    ILogger<RepairService> logger) : BackgroundService
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, JobOutputs> outputs = new(StringComparer.Ordinal);

    /// <summary>The consumer group of the repair of <paramref name="source"/>.</summary>
    public static string GroupId(string source) => $"featureplatform-repair-{source}";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Repair.Enabled || !settings.RunLiveJobs)
        {
            return;
        }
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return; // Stopping, or the runtime failed to start (readiness says why): nothing ran live.
        }
        try
        {
            await Task.WhenAll(sources.All.Where(s => s.EffectiveTopics.Count > 0).Select(s => FollowAsync(s, stoppingToken)));
        }
        finally
        {
            foreach (var job in outputs.Values)
            {
                foreach (var output in job.Outputs)
                {
                    await output.DisposeAsync();
                }
                job.Gate.Dispose();
            }
        }
    }

    private async Task FollowAsync(SourceDefinition source, CancellationToken stoppingToken)
    {
        var supervisor = new Supervisor(settings.RestartBackoff, clock, failure =>
        {
            logger.LogError(failure.Error, "Repair of source {Source} failed; restarting in {Delay}", source.Name, failure.Delay);
            return ValueTask.CompletedTask;
        });
        try
        {
            await supervisor.RunAsync(async ct =>
            {
                // Batches as large as the repair's: when it falls behind, one batch re-runs each computation its events change once.
                var options = settings.Live.ToOptions() with { MaxBatchMessages = settings.Repair.MaxBatchMessages };
                var trigger = new LiveTrigger(bus, source, GroupId(source.Name), ConsistencyLevel.TriggerStrong, waiter, events, options, clock);
                await foreach (var batch in trigger.ReadAsync(ct))
                {
                    await RepairAsync(source.Name, batch.Events, ct);
                    await batch.CompleteAsync(ct);
                }
            }, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Repairs what the stored <paramref name="stored"/> change.</summary>
    internal async Task RepairAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken)
    {
        if (stored.Count == 0)
        {
            return;
        }
        // These events are stored by now (the trigger waited for that): a computation that starts later sees them.
        var seenStored = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Other processes' computations running when the last of these was stored record their reads within the delay.
        var due = stored.Max(e => e.IngestTime) + (long)settings.Repair.Delay.TotalMilliseconds;
        var wait = due - clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(wait), clock, cancellationToken);
        }
        // Every batch of this process that started before the last of them was stored (or in the same millisecond) has
        // recorded its reads and written its outputs (other processes' batches: the delay above). Batches end: a failed or
        // stopped one is released, a read wait expires (FetchTimeout), the logic has a time limit (Python:CallTimeout); a wait longer than
        // twice the fetch timeout is logged, and waited out, never given up: a read recorded after the lookup would be a
        // computation left stale.
        var waitStarted = clock.GetTimestamp();
        var inFlight = recorder.InFlight.WaitForBatchesStartedBeforeAsync(seenStored + 1, cancellationToken);
        while (true)
        {
            try
            {
                await inFlight.WaitAsync(settings.FetchTimeout * 2, clock, cancellationToken);
                break;
            }
            catch (TimeoutException)
            {
                logger.LogWarning("Repair of {Source} has waited {Waited} for live batches that started computing before its events were stored; it looks up their readers once they have recorded their reads",
                    source, clock.GetElapsedTime(waitStarted));
            }
        }
        var affected = new Dictionary<string, HashSet<(string Source, string EventId)>>(StringComparer.Ordinal);
        var changing = 0;
        var trace = logger.IsEnabled(LogLevel.Debug);
        var waited = clock.GetElapsedTime(waitStarted);
        // The buckets holding reads as of the earliest of these events or later, listed once for all of them (now: after
        // every batch that may have read without them recorded its reads).
        var bucketsOf = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        foreach (var ofSource in stored.GroupBy(e => e.Source))
        {
            bucketsOf[ofSource.Key] = await recorder.Reads.BucketsAsync(ofSource.Key, ofSource.Min(e => e.EventTime), cancellationToken);
        }
        // One lookup per entity of the batch, from its earliest event on; each event keeps the reads covering its own time.
        foreach (var ofEntity in stored.GroupBy(e => (e.Source, e.EntityKey)))
        {
            var (from, latest) = (ofEntity.Min(e => e.EventTime), ofEntity.Max(e => e.EventTime));
            var readers = new List<RecordedReader>();
            await foreach (var reader in recorder.Reads.FindReadersAsync(ofEntity.Key.Source, ofEntity.Key.EntityKey, from, latest, bucketsOf[ofEntity.Key.Source], cancellationToken))
            {
                readers.Add(reader);
            }
            foreach (var e in ofEntity)
            {
                changing += await ChangesAsync(e, readers, seenStored, affected, trace ? waited : null, cancellationToken) ? 1 : 0;
            }
        }
        if (changing > 0)
        {
            metrics.Changing(source, changing);
        }
        foreach (var (jobName, triggers) in affected)
        {
            if (startup.Jobs.FirstOrDefault(j => j.Name == jobName) is { } job)
            {
                await RecomputeAsync(job, triggers, cancellationToken);
            }
        }
        if (affected.Count > 0)
        {
            metrics.Repaired(source, TimeSpan.FromMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds() - stored.Max(e => e.IngestTime)));
        }
    }

    /// <summary>
    /// Adds to <paramref name="affected"/> the computations among <paramref name="readers"/> (reads of <paramref name="e"/>'s
    /// entity) whose result <paramref name="e"/> may change; true when there is any. <paramref name="waited"/>: the
    /// in-flight wait, when tracing.
    /// </summary>
    private async ValueTask<bool> ChangesAsync(ChangeEvent e, List<RecordedReader> readers, long seenStored,
        Dictionary<string, HashSet<(string Source, string EventId)>> affected, TimeSpan? waited, CancellationToken cancellationToken)
    {
        var found = false;
        long? next = null;
        var (again, saw) = (waited is null ? null : new List<string>(), waited is null ? null : new List<string>());
        foreach (var reader in readers)
        {
            // The entity's lookup started at its earliest event of the batch: this event's readers cover its own time.
            if (reader.Until < e.EventTime || reader.Since > e.EventTime)
            {
                continue;
            }
            // Its own computation ran on the stored event; one that started computing after it was seen stored saw it.
            // (One that started between the store's write and this moment is run again: harmless, nothing changes.)
            if ((reader.TriggerSource == e.Source && reader.TriggerEventId == e.EventId) || reader.ComputedFrom > seenStored || StoredBefore(e, reader))
            {
                saw?.Add($"{reader.TriggerEventId}@{reader.ComputedFrom}");
                continue;
            }
            // A fetch as of a time after the entity's next stored change returned that change or a later one, not this
            // event: unchanged. (If it ran before that change was stored, the change's own repair runs it again.)
            if (reader.IsFetch && reader.Until >= (next ??= await NextChangeAsync(e, cancellationToken)))
            {
                saw?.Add($"{reader.TriggerEventId}@{reader.ComputedFrom}>{next}");
                continue;
            }
            again?.Add($"{reader.TriggerEventId}@{reader.ComputedFrom}");
            found = true;
            if (!affected.TryGetValue(reader.Job, out var set))
            {
                affected[reader.Job] = set = [];
            }
            set.Add((reader.TriggerSource, reader.TriggerEventId));
        }
        if (waited is { } w)
        {
            logger.LogDebug("Repair of {Source}/{EventId} (key {Key}, time {Time}, ingested {Ingest}, seen stored {Seen}, in-flight wait {Waited} ms): run again [{Again}], saw it [{Saw}]",
                e.Source, e.EventId, e.EntityKey, e.EventTime, e.IngestTime, seenStored, (long)w.TotalMilliseconds, string.Join(' ', again!), string.Join(' ', saw!));
        }
        return found;
    }

    /// <summary>
    /// True when <paramref name="e"/> was stored before <paramref name="reader"/>'s computation started, by position: its
    /// trigger came from the same partition of the same topic, at or after <paramref name="e"/>'s offset. Ingestion stores
    /// a partition's batches one at a time, in order, and only then advances its stored position; a computation starts
    /// only once its trigger's stored position is passed — so every event stored from earlier in that partition was
    /// there to read. (An in-order stream whose repair lags behind its live runs would otherwise run every next
    /// computation of an entity again.)
    /// </summary>
    private bool StoredBefore(ChangeEvent e, RecordedReader reader) =>
        reader.TriggerSource == e.Source
        && reader.TriggerPosition is { } trigger
        && trigger.Stream == e.Position.Stream
        && trigger.Partition == e.Position.Partition
        && trigger.Offset >= e.Position.Offset
        // Bus positions only: calls, offline corrections and source-database reads number their events otherwise.
        && sources.Find(e.Source) is { } definition
        && definition.EffectiveTopics.Contains(e.Position.Stream);

    /// <summary>The event time of the first stored change of <paramref name="e"/>'s entity after it (<see cref="long.MaxValue"/>: none).</summary>
    private async ValueTask<long> NextChangeAsync(ChangeEvent e, CancellationToken cancellationToken)
    {
        if (e.EventTime == long.MaxValue)
        {
            return long.MaxValue;
        }
        await foreach (var later in events.GetHistoryAsync(e.Source, e.EntityKey, e.EventTime + 1, long.MaxValue, cancellationToken))
        {
            return later.EventTime;
        }
        return long.MaxValue;
    }

    /// <summary>
    /// Runs the enabled jobs triggered by <paramref name="source"/> on <paramref name="stored"/> events that no live
    /// trigger saw (offline corrections are stored without passing the bus), as a replay of the source runs them; their
    /// rows go out flagged as corrections.
    /// </summary>
    internal async Task RunUnseenTriggersAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken)
    {
        foreach (var job in startup.Jobs.Where(j => j.Enabled && j.Declaration.Triggers.Any(t => t.Source == source)))
        {
            await RecomputeAsync(job, [.. stored.Select(e => (e.Source, e.EventId))], cancellationToken);
        }
    }

    private async Task RecomputeAsync(RegisteredJob job, HashSet<(string Source, string EventId)> triggers, CancellationToken cancellationToken)
    {
        var loaded = new List<ChangeEvent>(triggers.Count);
        foreach (var ofSource in triggers.GroupBy(t => t.Source))
        {
            var found = await events.GetByIdsAsync(ofSource.Key, [.. ofSource.Select(t => t.EventId)], cancellationToken);
            loaded.AddRange(found.OfType<ChangeEvent>());
        }
        if (loaded.Count == 0)
        {
            return;
        }
        loaded.Sort(EventOrder.Instance);
        // One repair of a job at a time (sources are followed in parallel), on the job's live outputs made once.
        var ofJob = outputs.GetOrAdd(job.Name, name => new JobOutputs(outputFactory.CreateFor(job, settings.For(name)), new SemaphoreSlim(1, 1)));
        await ofJob.Gate.WaitAsync(cancellationToken);
        try
        {
            var previous = await recorder.Results.GetAsync(job.Name, [.. loaded.Select(e => (e.Source, e.EventId))], cancellationToken);
            var runner = new JobRunner(job, startup.DataSource, [.. ofJob.Outputs.Select(o => new CorrectionOutput(o, previous))], errors, logger,
                clock, mode: RunMode.Live, recorder: recorder.As(ComputationKind.Repair));
            var outcome = await runner.RunBatchWithErrorsAsync(loaded, cancellationToken);
            var corrections = outcome.Results.Count(r => CorrectionOutput.Differs(r, previous));
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Repair of job {Job} ran [{Triggers}] of {Requested} requested; changed [{Changed}]; failed [{Failed}]", job.Name,
                    string.Join(' ', loaded.Select(e => e.EventId)), triggers.Count,
                    string.Join(' ', outcome.Results.Where(r => CorrectionOutput.Differs(r, previous)).Select(r => r.Trigger.EventId)),
                    string.Join(' ', outcome.Errors.Select(e => $"{e.Trigger.EventId}:{e.ErrorType}:{e.Message}")));
            }
            metrics.Recomputed(job.Name, loaded.Count, corrections);
            logger.LogInformation("Repaired {Count} computations of job {Job}: {Corrections} result rows changed", loaded.Count, job.Name, corrections);
        }
        finally
        {
            ofJob.Gate.Release();
        }
    }

    private sealed record JobOutputs(IReadOnlyList<Outputs.IJobOutput> Outputs, SemaphoreSlim Gate);
}
