namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// The watermark index: how far the event center has durably stored each stream.
/// <list type="bullet">
/// <item>Offset watermark of (source, stream, partition): the lowest offset NOT yet known stored, i.e. every
/// offset below it is stored (Kafka's "committed offset" convention). Null: nothing recorded.</item>
/// <item>Event-time watermark of a source (ms): every event of the source with event time below it is stored
/// (the ingestion job advances it to the minimum over its partitions). Null: nothing recorded.</item>
/// </list>
/// Both only move forward: an advance to a value at or below the current one changes nothing and returns
/// false, whatever the interleaving of concurrent writers (check-and-put loop).
/// </summary>
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
}

/// <summary>One partition's offset watermark.</summary>
/// <param name="Stream">Topic/queue/endpoint.</param>
/// <param name="Partition">Partition.</param>
/// <param name="NextOffset">Every offset below this is stored.</param>
public readonly record struct PartitionWatermark(string Stream, int Partition, long NextOffset);
