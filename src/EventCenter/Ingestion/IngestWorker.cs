using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// One member of the ingest consumer group: consumes the source topics in batches, parses each message with its
/// source's format, stores the events (hot and cold), dead-letters what cannot be parsed, advances the watermarks,
/// and only then commits the batch's offsets. Delivery is at-least-once and writes are idempotent by event id, so
/// a re-delivered batch (after a crash or a rebalance) changes nothing visible.
/// </summary>
/// <remarks>
/// A batch that cannot be stored (storage or bus error) is retried as a whole until it succeeds or the worker
/// stops; nothing more is consumed meanwhile, which is the back-pressure: memory holds at most one batch.
/// </remarks>
public sealed class IngestWorker
{
    private readonly IMessageBus bus;
    private readonly SourceRegistry sources;
    private readonly IEventWriter events;
    private readonly IDeadLetterSink deadLetters;
    private readonly IngestOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly WatermarkTracker tracker;
    private readonly Schema.SchemaObserver? schema;
    // Offsets stored but not yet committed; touched only by the store stage, which runs one batch at a time.
    private readonly Dictionary<(string Topic, int Partition), BusPosition> uncommitted = [];
    private bool commitFailing;

    /// <summary>Creates a worker; <see cref="RunAsync"/> joins the group.</summary>
    public IngestWorker(
        IMessageBus bus,
        SourceRegistry sources,
        IEventWriter events,
        IWatermarkStore watermarks,
        IDeadLetterSink deadLetters,
        IngestOptions options,
        ILogger logger,
        IngestCounters? counters = null,
        WatermarkSignal? signal = null,
        TimeProvider? clock = null,
        Schema.SchemaObserver? schema = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.bus = bus ?? throw new ArgumentNullException(nameof(bus));
        this.sources = sources ?? throw new ArgumentNullException(nameof(sources));
        this.events = events ?? throw new ArgumentNullException(nameof(events));
        this.deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        this.options = options;
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.clock = clock ?? TimeProvider.System;
        Counters = counters ?? new IngestCounters();
        this.schema = schema;
        tracker = new WatermarkTracker(watermarks, bus, sources, options, Counters, signal ?? new WatermarkSignal(), this.clock);
    }

    /// <summary>What this worker has done.</summary>
    public IngestCounters Counters { get; }

    /// <summary>Consumes until <paramref name="stoppingToken"/> is cancelled; leaves the group on the way out.</summary>
    /// <remarks>
    /// Two stages overlap: while one batch is stored, its watermarks advanced and its offsets committed, the next is
    /// fetched and parsed. At most one batch is being stored at a time (watermarks advance in order) and at most one
    /// more is held in memory. The store stage runs on its own task because the embedded store writes synchronously:
    /// awaited inline it would hold up the fetch it is meant to overlap.
    /// <para>When the registered sources' topics change (a source registered or deleted at run time), the worker finishes the
    /// batch it stores, leaves the group and joins again with the new topics: ingestion follows the sources without a
    /// restart, from the group's committed positions.</para>
    /// </remarks>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = sources.Changed;
            var topics = sources.Topics.Order(StringComparer.Ordinal).ToList();
            if (topics.Count == 0)
            {
                try
                {
                    await changed.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            if (!await ConsumeAsync(topics, changed, stoppingToken))
            {
                return;
            }
            logger.LogInformation("Ingest worker re-subscribes: the sources' topics changed (now {Topics})", string.Join(", ", sources.Topics.Order(StringComparer.Ordinal)));
        }
    }

    /// <summary>Consumes <paramref name="topics"/> until stopped (false) or until the sources' topics differ from them (true).</summary>
    private async Task<bool> ConsumeAsync(List<string> topics, Task changed, CancellationToken stoppingToken)
    {
        await using var consumer = bus.CreateConsumer(options.GroupId, topics);
        Task<bool>? storing = null;
        var resubscribe = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (changed.IsCompleted)
                {
                    changed = sources.Changed;
                    if (!sources.Topics.Order(StringComparer.Ordinal).SequenceEqual(topics))
                    {
                        resubscribe = true;
                        break;
                    }
                }
                IReadOnlyList<BusMessage> messages;
                try
                {
                    messages = await consumer.ConsumeAsync(options.MaxBatchMessages, options.MaxBatchWait, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                var batch = messages.Count > 0 ? Parse(messages) : null;
                if (storing is not null)
                {
                    var stored = await storing;
                    storing = null;
                    if (!stored)
                    {
                        break;
                    }
                }
                if (batch is not null)
                {
                    storing = Task.Run(() => StoreWithRetryAsync(consumer, batch, stoppingToken), CancellationToken.None);
                    continue;
                }
                // Nothing new and nothing being stored: let idle partitions' watermarks follow the clock.
                if (!await RecordIdleAsync(consumer, stoppingToken))
                {
                    break;
                }
            }
        }
        finally
        {
            if (storing is not null)
            {
                // A batch being stored finishes (and commits) with this consumer before it leaves the group.
                resubscribe &= await storing;
            }
        }
        return resubscribe;
    }

    private async Task<bool> RecordIdleAsync(IBusConsumer consumer, CancellationToken stoppingToken)
    {
        try
        {
            await tracker.RecordIdleAsync(consumer, stoppingToken);
            return true;
        }
        catch (Exception e) when (e is IOException or Storage.WideTableStoreException)
        {
            // A storage fault is logged once per episode by the storage monitor; this runs at every idle poll.
            if (Storage.StorageUnavailableException.Find(e) is null)
            {
                logger.LogWarning(e, "Could not advance idle partitions' watermarks; will try again");
            }
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Stores one batch (retried until durable) and commits its offsets (once). False when stopped first.</summary>
    private async Task<bool> StoreWithRetryAsync(IBusConsumer consumer, ParsedBatch batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The bus commit comes only after the store took the batch: a failure before it re-delivers, never loses.
                await StoreAsync(batch, stoppingToken);
                await CommitAsync(consumer, Commits(batch.Messages), stoppingToken);
                Counters.AddBatch();
                // Quiet partitions are checked while others are busy too: a busy topic must not stall a quiet source.
                await tracker.MaybeRecordIdleAsync(consumer, stoppingToken);
                if (attempt > 1)
                {
                    logger.LogInformation("Ingest batch of {Count} messages stored after {Attempts} attempts", batch.Messages.Count, attempt);
                }
                return true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Counters.AddFailedBatch(e, batch.Messages.Select(m => m.Topic));
                var delay = options.RetryDelayAfter(attempt);
                LogFailedAttempt(e, batch.Messages.Count, attempt, delay);
                try
                {
                    await Task.Delay(delay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>
    /// Commits a stored batch's offsets together with any an earlier commit failed to write. A failed commit is not
    /// retried in place: a group member completes a rebalance only when it polls again, so retrying a commit that failed
    /// with "rebalance in progress" without consuming would hold the whole group in that rebalance forever. The batch
    /// is stored, so an uncommitted offset costs only a re-delivery, which ingestion drops as duplicates.
    /// </summary>
    private async Task CommitAsync(IBusConsumer consumer, IReadOnlyList<BusPosition> positions, CancellationToken stoppingToken)
    {
        var assigned = consumer.Assignment.Select(p => (p.Topic, p.Partition)).ToHashSet();
        foreach (var key in uncommitted.Keys.Where(k => !assigned.Contains(k)).ToList())
        {
            // Another member owns it now and commits its own progress; ours would only move the group's offset back.
            uncommitted.Remove(key);
        }
        foreach (var position in positions)
        {
            uncommitted[(position.Topic, position.Partition)] = position;
        }
        try
        {
            await consumer.CommitAsync([.. uncommitted.Values], stoppingToken);
            uncommitted.Clear();
            commitFailing = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Counters.AddFailedCommit();
            if (!commitFailing)
            {
                logger.LogWarning("Committing ingest offsets failed ({Error}); the events are stored, the offsets are committed with the next batch (logged once until a commit succeeds)", e.Message);
            }
            commitFailing = true;
        }
    }

    /// <summary>
    /// Logs a batch's failure once per episode: the first attempt (Error; Warning for a storage fault, which the storage
    /// monitor already logged at Error), then only at Debug while the same batch keeps failing.
    /// </summary>
    private void LogFailedAttempt(Exception e, int count, int attempt, TimeSpan delay)
    {
        if (attempt > 1)
        {
            logger.LogDebug("Ingest batch of {Count} messages failed again (attempt {Attempt}): {Error}; next try in {Delay}", count, attempt, e.Message, delay);
        }
        else if (Storage.StorageUnavailableException.Find(e) is { } storage)
        {
            logger.LogWarning("Ingest batch of {Count} messages could not be stored: {Cause}; retrying with back-off until it is (logged once)", count, storage.Message);
        }
        else
        {
            logger.LogError(e, "Ingest batch of {Count} messages failed; retrying with back-off until it is stored (logged once per batch)", count);
        }
    }

    /// <summary>Parses a fetched batch with each message's source format; what cannot be parsed becomes a dead letter.</summary>
    private ParsedBatch Parse(IReadOnlyList<BusMessage> batch)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var parsed = new List<(BusMessage, IReadOnlyList<ChangeEvent>)>(batch.Count);
        var events = new List<ChangeEvent>(batch.Count);
        var rejected = new List<DeadLetter>();
        var heartbeats = new List<(BusMessage, string, long)>();
        var latestAllowed = now + (long)options.MaxEventTimeAhead.TotalMilliseconds;
        var limits = new EventTimeLimits(options.MaxEventTimeAhead);
        foreach (var message in batch)
        {
            var position = new SourcePosition(message.Topic, message.Partition, message.Offset);
            var source = sources.ForTopic(message.Topic);
            if (source is null)
            {
                rejected.Add(new DeadLetter(null, position, $"no source is registered for topic '{message.Topic}'", message.Key, message.Value, message.Headers, now));
                continue;
            }
            var result = EventParsers.Parse(source, new RawMessage(position, message.Key, message.Value, message.TimestampMs, message.Headers), now);
            if (result.IsRejected)
            {
                rejected.Add(new DeadLetter(source.Name, position, result.Error!, message.Key, message.Value, message.Headers, now));
            }
            else if (result.Events.Select(e => limits.Check(e.EventTime, now, "the ingest clock")).FirstOrDefault(p => p is not null) is { } problem)
            {
                // A bad clock or a typo (year 9999) must not pin the source's watermark in the future.
                rejected.Add(new DeadLetter(source.Name, position,
                    $"event time {problem}; check the producer's clock or the time field (limit: EventCenter:Ingest:MaxEventTimeAhead)",
                    message.Key, message.Value, message.Headers, now));
            }
            else if (FieldTypes.Check(source, result.Events) is { } wrongType)
            {
                // Before anything is stored: one bad value must not reach the jobs (or their later events' history).
                rejected.Add(new DeadLetter(source.Name, position, wrongType, message.Key, message.Value, message.Headers, now));
            }
            else if (result.HousekeepingMessage is { } housekeeping)
            {
                NoteHousekeeping(source, position, housekeeping);
                if (housekeeping is { Kind: HousekeepingKind.Heartbeat, Time: { } beat } && beat <= latestAllowed)
                {
                    heartbeats.Add((message, source.Name, beat));
                }
                parsed.Add((message, result.Events));
            }
            else
            {
                parsed.Add((message, result.Events));
                events.AddRange(result.Events);
            }
        }
        return new ParsedBatch(batch, parsed, events, rejected, heartbeats);
    }

    /// <summary>Counts a connector's housekeeping message; schema changes and truncates are worth a line in the log.</summary>
    private void NoteHousekeeping(SourceDefinition source, SourcePosition position, HousekeepingMessage housekeeping)
    {
        Counters.AddHousekeeping(housekeeping.Kind);
        if (housekeeping.Kind is HousekeepingKind.Ddl or HousekeepingKind.Truncate)
        {
            logger.LogInformation("Source {Source} at {Position}: {Kind} {Description}", source.Name, position, housekeeping.Kind, housekeeping.Description);
        }
    }

    private async Task StoreAsync(ParsedBatch batch, CancellationToken cancellationToken)
    {
        var conflicts = new List<DeadLetter>();
        if (batch.Events.Count > 0)
        {
            var results = await events.WriteAsync(batch.Events, cancellationToken);
            Counters.AddOutcomes(batch.Events, results);
            conflicts = ConflictRecords(batch, results);
            schema?.Observe(batch.Events.Where((_, i) => results[i].Outcome == WriteOutcome.Written));
            // Late: newly stored at or below the watermark as it stood before this batch (re-deliveries are not late).
            await tracker.CountLateAsync([.. batch.Events.Where((_, i) => results[i].Outcome == WriteOutcome.Written)], cancellationToken);
        }
        if (conflicts.Count > 0)
        {
            await deadLetters.WriteAsync(conflicts, cancellationToken);
            foreach (var letter in conflicts)
            {
                logger.LogWarning("Conflict at {Position} of source {Source}: {Reason}", letter.Position, letter.Source, letter.Reason);
            }
        }
        if (batch.Rejected.Count > 0)
        {
            await deadLetters.WriteAsync(batch.Rejected, cancellationToken);
            foreach (var letter in batch.Rejected)
            {
                logger.LogWarning("Dead-lettered {Position} of source {Source}: {Reason}", letter.Position, letter.Source ?? "(none)", letter.Reason);
            }
        }
        await tracker.RecordStoredAsync(batch.Messages, batch.Parsed, batch.Heartbeats, cancellationToken);
        Counters.AddMessages(batch.Messages.Count);
        Counters.AddDeadLetters(batch.Rejected);
    }

    /// <summary>A conflict record (both versions, the incoming message's bytes) for every event whose id a different change holds.</summary>
    private List<DeadLetter> ConflictRecords(ParsedBatch batch, IReadOnlyList<WriteResult> results)
    {
        var records = new List<DeadLetter>();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var i = 0;
        foreach (var (message, parsedEvents) in batch.Parsed)
        {
            foreach (var incoming in parsedEvents)
            {
                if (results[i++] is { Outcome: WriteOutcome.Conflict, Stored: var stored })
                {
                    var reason = $"event id '{incoming.EventId}' is already held by a different change (stored from {stored.Position}: " +
                        $"{stored.Operation} of '{stored.EntityKey}' at {stored.EventTime}); this {incoming.Operation} of '{incoming.EntityKey}' " +
                        $"at {incoming.EventTime} was not stored";
                    records.Add(new DeadLetter(incoming.Source, incoming.Position, reason, message.Key, message.Value, message.Headers, now,
                        DeadLetterKind.Conflict, new EventConflict(incoming.EventId, EventJsonCodec.Encode(stored), EventJsonCodec.Encode(incoming))));
                }
            }
        }
        return records;
    }

    private static List<BusPosition> Commits(IReadOnlyList<BusMessage> batch) =>
        batch.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();

    /// <summary>A fetched batch, parsed: the messages (for watermarks and commits), the events per message, the dead letters.</summary>
    private sealed record ParsedBatch(
        IReadOnlyList<BusMessage> Messages,
        IReadOnlyList<(BusMessage Message, IReadOnlyList<ChangeEvent> Events)> Parsed,
        IReadOnlyList<ChangeEvent> Events,
        IReadOnlyList<DeadLetter> Rejected,
        IReadOnlyList<(BusMessage Message, string Source, long Time)> Heartbeats);
}
