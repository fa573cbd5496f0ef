using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>How far ingestion of one source has got: its event-time watermark and, per partition, offsets and lag.</summary>
/// <param name="Source">The source.</param>
/// <param name="EventTime">The source's event-time watermark now (ms since the Unix epoch), null before the first event.</param>
/// <param name="Partitions">Every partition known from stored offsets, partition marks or the bus, in order.</param>
/// <param name="FollowsClock">
/// True when the watermark follows the clock (now − MaxDelay) because every partition is idle and caught up: it then
/// says "nothing is pending", not that data up to that time arrived.
/// </param>
public sealed record SourceProgress(string Source, long? EventTime, IReadOnlyList<PartitionProgress> Partitions, bool FollowsClock = false)
{
    /// <summary>Messages on the bus not yet ingested, over all partitions whose end is known.</summary>
    public long PendingMessages => Partitions.Sum(p => p.Lag ?? 0);
}

/// <summary>One partition of a source.</summary>
/// <param name="Stream">The bus topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="NextOffset">The next offset to ingest (stored), null before the first batch.</param>
/// <param name="EndOffset">The bus's end offset, null when the bus does not tell.</param>
/// <param name="Lag">Messages between the two, null when the end is unknown.</param>
/// <param name="EventTime">The partition's event-time mark now.</param>
/// <param name="Idle">True when the mark follows the clock (an idle, caught-up partition).</param>
/// <param name="DataEventTime">The mark reached by the partition's stored events alone (highest event time − MaxOutOfOrderness), null before any.</param>
public sealed record PartitionProgress(string Stream, int Partition, long? NextOffset, long? EndOffset, long? Lag, long? EventTime, bool Idle,
    long? DataEventTime = null);

/// <summary>Reads <see cref="SourceProgress"/> from the watermark store and the bus (one reader for the API and the metrics).</summary>
public sealed class SourceProgressReader(IWatermarkStore watermarks, IMessageBus bus, TimeProvider clock)
{
    /// <summary>The progress of <paramref name="source"/> now.</summary>
    public async Task<SourceProgress> ReadAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var marks = await watermarks.ReadSourceAsync(source.Name, cancellationToken);
        var ends = new Dictionary<(string, int), long>();
        foreach (var topic in source.EffectiveTopics)
        {
            var offsets = await bus.GetEndOffsetsAsync(topic, cancellationToken) ?? [];
            for (var p = 0; p < offsets.Count; p++)
            {
                ends[(topic, p)] = offsets[p];
            }
        }
        // Streams starting with U+0001 are internal rules (idle-follow leases), not bus partitions.
        var keys = marks.Offsets.Keys.Where(k => !k.Stream.StartsWith('\u0001')).Concat(marks.PartitionTimes.Keys).Concat(ends.Keys).Distinct().Order();
        var partitions = keys.Select(k =>
        {
            var mark = marks.PartitionTimes.GetValueOrDefault(k);
            long? next = marks.Offsets.TryGetValue(k, out var n) ? n : null;
            long? end = ends.TryGetValue(k, out var e) ? e : null;
            return new PartitionProgress(k.Item1, k.Item2, next, end, end is { } x ? Math.Max(0, x - (next ?? 0)) : null, mark.At(now), mark.IsFollowing(now),
                mark.Value);
        }).ToList();
        return new SourceProgress(source.Name, marks.EventTime.At(now), partitions, marks.EventTime.IsFollowing(now));
    }
}
