namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>Settings of the ingest job.</summary>
public sealed record IngestOptions
{
    /// <summary>Consumer group of the ingest job; every ingest process joins it. Default: "featureplatform-ingest".</summary>
    public string GroupId { get; init; } = "featureplatform-ingest";

    /// <summary>Messages taken per batch (one event-store write, one commit). Default: 2000.</summary>
    public int MaxBatchMessages { get; init; } = 2000;

    /// <summary>How long a consume waits for the first message of a batch. Default: 100 ms.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Events whose event time is further than this ahead of the ingest clock are dead-lettered (a bad clock or a
    /// typo such as year 9999 would otherwise pin the source's watermark in the future). Default: 10 minutes.
    /// </summary>
    public TimeSpan MaxEventTimeAhead { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A partition with no new message for this long, and stored up to the end offset the consumer last saw, is idle:
    /// it stops holding back its source's event-time watermark, which then follows the clock at the source's
    /// <see cref="Sources.SourceDefinition.MaxDelay"/>. Default: 2 s.
    /// </summary>
    public TimeSpan IdlePartitionTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An idle partition's mark is not rewritten on every idle round: a clock rule is stored once
    /// (<see cref="Watermarks.ClockFollow"/>) and readers evaluate it. The rule holds for this long and is renewed
    /// when half of it is left, so an idle platform writes nothing for half this time, and the marks of an ingest
    /// process that died stop following the clock within this time. Default: 10 minutes.
    /// </summary>
    public TimeSpan IdleMarkLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Pause after a failed batch (storage or bus error) before the batch is retried; it doubles with each further
    /// failure of the same batch up to <see cref="MaxRetryDelay"/>. Default: 500 ms (0 counts as 10 ms: never a hot loop).
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest pause between retries of a failing batch (e.g. while the disk is full). Default: 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The pause before retry number <paramref name="attempt"/> (1 = after the first failure).</summary>
    public TimeSpan RetryDelayAfter(int attempt)
    {
        var first = RetryDelay < MinRetryDelay ? MinRetryDelay : RetryDelay;
        return new Resilience.Backoff(first, MaxRetryDelay < first ? first : MaxRetryDelay).DelayAfter(attempt);
    }

    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(GroupId) || MaxBatchMessages <= 0 || MaxBatchWait <= TimeSpan.Zero
            || IdlePartitionTimeout <= TimeSpan.Zero || MaxEventTimeAhead <= TimeSpan.Zero || IdleMarkLease <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            throw new ArgumentException("IngestOptions: GroupId required; MaxBatchMessages, MaxBatchWait, IdlePartitionTimeout, IdleMarkLease positive; MaxRetryDelay at least RetryDelay.");
        }
    }
}
