namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// The watermark index: how far the event center has durably stored each stream.
/// <list type="bullet">
/// <item>Offset watermark of (source, stream, partition): the lowest offset NOT yet known stored, i.e. every
/// offset below it is stored (Kafka's "committed offset" convention). Null: nothing recorded.</item>
/// <item>Event-time watermark of a source (ms): every event of the source with event time below it is stored
/// (the ingestion job advances it to the minimum over its partitions). Null: nothing recorded.</item>
/// </list>
/// Both only move forward, whatever the interleaving of concurrent writers: an advance to a value at or below the
/// current one changes nothing. A partition's event-time mark and a source's event-time watermark may hold a
/// <see cref="ClockFollow"/> rule (an idle partition's mark following the clock), which readers evaluate with
/// their clock: such a mark moves without being written.
/// </summary>
/// <remarks>
/// Ingestion writes with <see cref="WriteAsync"/>: only rows whose value or rule changed, all of a round in one
/// batch, no read before the write (values max-merge). <see cref="AdvanceOffsetAsync"/> and
/// <see cref="AdvanceEventTimeAsync"/> read then check-and-put, for callers that need to know whether they advanced.
/// </remarks>
public interface IWatermarkStore
{
    /// <summary>Creates (embedded) or verifies (HBase) the watermark table.</summary>
    ValueTask EnsureTableAsync(CancellationToken cancellationToken = default);

    /// <summary>The offset watermark of a partition, or null.</summary>
    ValueTask<long?> GetOffsetAsync(string source, string stream, int partition, CancellationToken cancellationToken = default);

    /// <summary>Raises the offset watermark to <paramref name="nextOffset"/>; false if it already was at least that.</summary>
    ValueTask<bool> AdvanceOffsetAsync(string source, string stream, int partition, long nextOffset, CancellationToken cancellationToken = default);

    /// <summary>Every partition watermark of a source, ordered by stream then partition.</summary>
    IAsyncEnumerable<PartitionWatermark> GetOffsetsAsync(string source, CancellationToken cancellationToken = default);

    /// <summary>The event-time watermark of a source (ms), or null.</summary>
    ValueTask<long?> GetEventTimeAsync(string source, CancellationToken cancellationToken = default);

    /// <summary>Raises the event-time watermark to <paramref name="eventTime"/>; false if it already was at least that.</summary>
    ValueTask<bool> AdvanceEventTimeAsync(string source, long eventTime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch of rows in one storage call: values are raised (never lowered, by max-merge, without reading),
    /// clock rules replaced (the newest wins).
    /// </summary>
    ValueTask WriteAsync(IReadOnlyList<WatermarkWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>Every watermark row of a source as stored (clock rules not evaluated), in one scan.</summary>
    ValueTask<SourceMarks> ReadSourceAsync(string source, CancellationToken cancellationToken = default);
}

/// <summary>One partition's offset watermark.</summary>
/// <param name="Stream">Topic/queue/endpoint.</param>
/// <param name="Partition">Partition.</param>
/// <param name="NextOffset">Every offset below this is stored.</param>
public readonly record struct PartitionWatermark(string Stream, int Partition, long NextOffset);
