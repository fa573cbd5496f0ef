namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>What the ingest job has done since start (thread-safe counters for metrics and tests).</summary>
public sealed class IngestCounters
{
    private long messages;
    private long written;
    private long duplicates;
    private long conflicts;
    private long deadLettered;
    private long lateEvents;
    private long batches;
    private long failedBatches;
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

    /// <summary>Rounds in which a worker found nothing new and checked its idle partitions' watermarks.</summary>
    public long IdleRounds => Interlocked.Read(ref idleRounds);

    internal void AddMessages(long n) => Interlocked.Add(ref messages, n);

    internal void AddWritten(long n) => Interlocked.Add(ref written, n);

    internal void AddDuplicates(long n) => Interlocked.Add(ref duplicates, n);

    internal void AddConflicts(long n) => Interlocked.Add(ref conflicts, n);

    internal void AddDeadLettered(long n) => Interlocked.Add(ref deadLettered, n);

    internal void AddLate(long n) => Interlocked.Add(ref lateEvents, n);

    internal void AddBatch() => Interlocked.Increment(ref batches);

    internal void AddFailedBatch() => Interlocked.Increment(ref failedBatches);

    internal void AddIdleRound() => Interlocked.Increment(ref idleRounds);
}
