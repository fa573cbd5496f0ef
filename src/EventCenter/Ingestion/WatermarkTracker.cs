using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// Advances the watermark index after each stored batch: per (source, partition) the next offset (everything
/// below is stored) and the partition's event-time mark; per source the event-time watermark, the minimum of its
/// partitions' marks. A partition that has been idle for <see cref="IngestOptions.IdlePartitionTimeout"/> lets its
/// mark follow the clock (minus <see cref="IngestOptions.IdleWatermarkLag"/>) so a quiet partition never holds its
/// source back forever.
/// </summary>
/// <remarks>
/// The event-time mark of a partition is the highest event time stored from it, which covers every earlier event
/// when event times are non-decreasing within a partition (CDC commit order; messages keyed by entity). Events
/// arriving below their source's watermark are stored and counted as late.
/// </remarks>
internal sealed class WatermarkTracker(
    IWatermarkStore watermarks,
    IMessageBus bus,
    SourceRegistry sources,
    IngestOptions options,
    IngestCounters counters,
    WatermarkSignal signal,
    TimeProvider clock)
{
    private readonly Dictionary<BusPartition, long> lastMessageAt = [];
    private readonly Dictionary<string, long> sourceWatermarks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> partitionCounts = new(StringComparer.Ordinal);

    /// <summary>Counts events of a batch that arrive below their source's current watermark.</summary>
    public void CountLate(IEnumerable<ChangeEvent> events) =>
        counters.AddLate(events.Count(e => sourceWatermarks.TryGetValue(e.Source, out var w) && e.EventTime < w));

    /// <summary>Records a stored batch: every message in it is handled (stored or dead-lettered).</summary>
    public async ValueTask RecordStoredAsync(IReadOnlyList<BusMessage> batch, IReadOnlyList<(BusMessage Message, IReadOnlyList<ChangeEvent> Events)> parsed, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in batch.GroupBy(m => new BusPartition(m.Topic, m.Partition)))
        {
            lastMessageAt[group.Key] = now;
            if (sources.ForTopic(group.Key.Topic) is not { } source)
            {
                continue;
            }
            await watermarks.AdvanceOffsetAsync(source.Name, group.Key.Topic, group.Key.Partition, group.Max(m => m.Offset) + 1, cancellationToken);
            touched.Add(source.Name);
        }
        foreach (var group in parsed.Where(p => p.Events.Count > 0).GroupBy(p => (Partition: new BusPartition(p.Message.Topic, p.Message.Partition), Source: p.Events[0].Source)))
        {
            var high = group.SelectMany(p => p.Events).Max(e => e.EventTime);
            await watermarks.AdvanceOffsetAsync(group.Key.Source, PartitionTimeMarks.StreamOf(group.Key.Partition.Topic), group.Key.Partition.Partition, high, cancellationToken);
        }
        foreach (var source in touched)
        {
            await UpdateSourceWatermarkAsync(source, cancellationToken);
        }
        signal.Pulse();
    }

    /// <summary>Lets idle assigned partitions' marks follow the clock, then refreshes their sources' watermarks.</summary>
    public async ValueTask RecordIdleAsync(IReadOnlyList<BusPartition> assignment, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partition in assignment)
        {
            if (sources.ForTopic(partition.Topic) is not { } source)
            {
                continue;
            }
            if (!lastMessageAt.TryGetValue(partition, out var last))
            {
                // First sight of this partition: its idle clock starts now.
                lastMessageAt[partition] = now;
                continue;
            }
            if (now - last < options.IdlePartitionTimeout.TotalMilliseconds)
            {
                continue;
            }
            var mark = now - (long)options.IdleWatermarkLag.TotalMilliseconds;
            if (await watermarks.AdvanceOffsetAsync(source.Name, PartitionTimeMarks.StreamOf(partition.Topic), partition.Partition, mark, cancellationToken))
            {
                touched.Add(source.Name);
            }
        }
        foreach (var source in touched)
        {
            await UpdateSourceWatermarkAsync(source, cancellationToken);
        }
        if (touched.Count > 0)
        {
            signal.Pulse();
        }
    }

    private async ValueTask UpdateSourceWatermarkAsync(string sourceName, CancellationToken cancellationToken)
    {
        var source = sources.Find(sourceName)!;
        var marks = new Dictionary<BusPartition, long>();
        await foreach (var w in watermarks.GetOffsetsAsync(sourceName, cancellationToken))
        {
            if (PartitionTimeMarks.IsTimeStream(w.Stream, out var topic))
            {
                marks[new BusPartition(topic, w.Partition)] = w.NextOffset;
            }
        }
        long? minimum = null;
        foreach (var topic in source.EffectiveTopics)
        {
            var count = await PartitionCountAsync(topic, cancellationToken);
            for (var p = 0; p < count; p++)
            {
                if (!marks.TryGetValue(new BusPartition(topic, p), out var mark))
                {
                    // A partition nobody has marked yet (no message, not yet seen idle) holds the source back.
                    return;
                }
                minimum = minimum is null ? mark : Math.Min(minimum.Value, mark);
            }
        }
        if (minimum is { } watermark)
        {
            await watermarks.AdvanceEventTimeAsync(sourceName, watermark, cancellationToken);
            sourceWatermarks[sourceName] = Math.Max(watermark, sourceWatermarks.GetValueOrDefault(sourceName));
        }
    }

    private async ValueTask<int> PartitionCountAsync(string topic, CancellationToken cancellationToken)
    {
        if (!partitionCounts.TryGetValue(topic, out var count))
        {
            count = await bus.GetPartitionCountAsync(topic, cancellationToken) ?? 0;
            if (count > 0)
            {
                partitionCounts[topic] = count;
            }
        }
        return count;
    }
}
