namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>What the ingest job has done since start (thread-safe counters for metrics, health and tests).</summary>
/// <param name="clock">Clock of <see cref="LastBatchAt"/>; default: the system clock.</param>
public sealed class IngestCounters(TimeProvider? clock = null)
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly Lock gate = new();
    private int consecutiveFailures;
    private DateTimeOffset? lastBatchAt;
    private string? lastFailure;

    private long messages;
    private long written;
    private long duplicates;
    private long conflicts;
    private long deadLettered;
    private long lateEvents;
    private long batches;
    private long failedBatches;
    private readonly long[] housekeeping = new long[Enum.GetValues<Formats.HousekeepingKind>().Length];
    private long idleRounds;

    /// <summary>Messages consumed.</summary>
    public long Messages => Interlocked.Read(ref messages);

    /// <summary>Events newly stored.</summary>
    public long Written => Interlocked.Read(ref written);

    /// <summary>Events already stored (re-deliveries, duplicates): not stored again.</summary>
    public long Duplicates => Interlocked.Read(ref duplicates);

    /// <summary>Events whose id was held by a different event: ignored.</summary>
    public long Conflicts => Interlocked.Read(ref conflicts);

    /// <summary>Messages sent to the dead-letter store.</summary>
    public long DeadLettered => Interlocked.Read(ref deadLettered);

    /// <summary>Events stored with an event time below their source's event-time watermark.</summary>
    public long LateEvents => Interlocked.Read(ref lateEvents);

    /// <summary>Batches completed.</summary>
    public long Batches => Interlocked.Read(ref batches);

    /// <summary>Batches that failed and were retried.</summary>
    public long FailedBatches => Interlocked.Read(ref failedBatches);

    /// <summary>Offset commits that failed after their batch was stored (e.g. during a group rebalance): carried into the next commit.</summary>
    public long FailedCommits => Interlocked.Read(ref failedCommits);

    internal void AddFailedCommit() => Interlocked.Increment(ref failedCommits);

    /// <summary>Housekeeping messages of kind <paramref name="kind"/> recognised (DDL, heartbeats, tombstones, …): not events, not dead letters.</summary>
    public long Housekeeping(Formats.HousekeepingKind kind) => Interlocked.Read(ref housekeeping[(int)kind]);

    internal void AddHousekeeping(Formats.HousekeepingKind kind) => Interlocked.Increment(ref housekeeping[(int)kind]);

    /// <summary>Rounds in which a worker found nothing new and checked its idle partitions' watermarks.</summary>
    public long IdleRounds => Interlocked.Read(ref idleRounds);

    internal void AddMessages(long n) => Interlocked.Add(ref messages, n);

    /// <summary>Late events per source: stored with an event time at or below the source's watermark.</summary>
    public IReadOnlyDictionary<string, long> LateBySource => BySource(SourceCount.Late);

    /// <summary>What happened to the events and messages of each source, for per-source series.</summary>
    public IReadOnlyDictionary<string, long> BySource(SourceCount what) =>
        bySource.Where(kv => kv.Key.What == what).ToDictionary(kv => kv.Key.Source, kv => Interlocked.Read(ref kv.Value.Value), StringComparer.Ordinal);

    internal void AddLate(string source, long n)
    {
        Interlocked.Add(ref lateEvents, n);
        Add(source, SourceCount.Late, n);
    }

    /// <summary>Counts the outcome of every event of a stored batch, in total and per source.</summary>
    internal void AddOutcomes(IReadOnlyList<Events.ChangeEvent> events, IReadOnlyList<EventStorage.WriteResult> results)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var what = results[i].Outcome switch
            {
                EventStorage.WriteOutcome.Written => SourceCount.Written,
                EventStorage.WriteOutcome.Duplicate => SourceCount.Duplicates,
                _ => SourceCount.Conflicts,
            };
            if (what == SourceCount.Written)
            {
                Interlocked.Increment(ref written);
            }
            else if (what == SourceCount.Duplicates)
            {
                Interlocked.Increment(ref duplicates);
            }
            else
            {
                Interlocked.Increment(ref conflicts);
            }
            Add(events[i].Source, what, 1);
        }
    }

    /// <summary>Counts dead letters in total and per source (<c>(unknown)</c> when no source could be told).</summary>
    internal void AddDeadLetters(IReadOnlyList<DeadLetters.DeadLetter> letters)
    {
        Interlocked.Add(ref deadLettered, letters.Count);
        foreach (var letter in letters)
        {
            Add(letter.Source ?? UnknownSource, SourceCount.DeadLetters, 1);
        }
    }

    /// <summary>The source label of messages no source could be told for.</summary>
    public const string UnknownSource = "(unknown)";

    private void Add(string source, SourceCount what, long n) => Interlocked.Add(ref bySource.GetOrAdd((source, what), _ => new Box()).Value, n);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Source, SourceCount What), Box> bySource = new();

    private sealed class Box
    {
        public long Value;
    }

    /// <summary>
    /// Failed attempts since the last stored batch, and the last failure's topics and cause (null after a success).
    /// Shared by every worker of the process: any worker's success resets it.
    /// </summary>
    public (int Count, string? LastFailure) ConsecutiveFailedBatches
    {
        get
        {
            lock (gate)
            {
                return (consecutiveFailures, lastFailure);
            }
        }
    }

    /// <summary>When a batch was last stored; null before the first.</summary>
    public DateTimeOffset? LastBatchAt
    {
        get
        {
            lock (gate)
            {
                return lastBatchAt;
            }
        }
    }

    internal void AddBatch()
    {
        Interlocked.Increment(ref batches);
        lock (gate)
        {
            consecutiveFailures = 0;
            lastFailure = null;
            lastBatchAt = clock.GetUtcNow();
        }
    }

    internal void AddFailedBatch(Exception? error = null, IEnumerable<string>? topics = null)
    {
        Interlocked.Increment(ref failedBatches);
        var where = topics is null ? "" : $"topics {string.Join(", ", topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}: ";
        lock (gate)
        {
            consecutiveFailures++;
            lastFailure = where + (error?.GetBaseException().Message ?? "unknown error");
        }
    }

    internal void AddIdleRound() => Interlocked.Increment(ref idleRounds);

    /// <summary>Times a worker found its assigned partitions changed (a group rebalance) at an idle check.</summary>
    public long AssignmentChanges => Interlocked.Read(ref assignmentChanges);

    private long assignmentChanges;
    private long failedCommits;

    internal void AddAssignmentChange() => Interlocked.Increment(ref assignmentChanges);
}

/// <summary>What <see cref="IngestCounters.BySource"/> counts.</summary>
public enum SourceCount
{
    /// <summary>Events newly stored.</summary>
    Written,

    /// <summary>The same change delivered again: not stored again.</summary>
    Duplicates,

    /// <summary>Events whose id a different change holds: kept as conflict records.</summary>
    Conflicts,

    /// <summary>Messages dead-lettered as malformed or undeliverable.</summary>
    DeadLetters,

    /// <summary>Events stored at or below their source's watermark.</summary>
    Late,
}
