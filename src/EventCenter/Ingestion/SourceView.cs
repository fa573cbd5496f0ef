using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// What an ingest process knows to be stored in the watermark index for one source: seeded by one read, then kept
/// up to date with its own writes (and re-read when it recomputes the source's watermark). Decides, without
/// reading, whether a row changes.
/// </summary>
internal sealed class SourceView(SourceMarks stored)
{
    private readonly Dictionary<(string Stream, int Partition), long> offsets = new(stored.Offsets);
    private readonly Dictionary<(string Topic, int Partition), StoredMark> times = new(stored.PartitionTimes);

    /// <summary>The source's event-time watermark as stored.</summary>
    public StoredMark EventTime { get; private set; } = stored.EventTime;

    /// <summary>The stored mark of a partition (empty when none).</summary>
    public StoredMark TimeMark(BusPartition partition) => times.GetValueOrDefault((partition.Topic, partition.Partition));

    /// <summary>
    /// True when everything of the partition up to <paramref name="endOffset"/> (the end the consumer last saw; null:
    /// unknown) is stored, as far as this view knows: an empty partition, or a stored offset watermark at the end.
    /// </summary>
    public bool IsCaughtUp(BusPartition partition, long? endOffset) =>
        endOffset is { } end && (end == 0 || (offsets.TryGetValue((partition.Topic, partition.Partition), out var stored) && stored >= end));

    /// <summary>True (and remembered) when <paramref name="value"/> raises the partition's stored value.</summary>
    public bool RaiseValue(BusPartition partition, long value)
    {
        var known = TimeMark(partition);
        if (known.Value is { } v && v >= value)
        {
            return false;
        }
        times[(partition.Topic, partition.Partition)] = known with { Value = value };
        return true;
    }

    /// <summary>True (and remembered) when <paramref name="next"/> raises the partition's offset watermark.</summary>
    public bool RaiseOffset(BusPartition partition, long next)
    {
        if (offsets.TryGetValue((partition.Topic, partition.Partition), out var known) && known >= next)
        {
            return false;
        }
        offsets[(partition.Topic, partition.Partition)] = next;
        return true;
    }

    /// <summary>
    /// Traffic on a partition (<paramref name="high"/>: highest event time stored, null when only dead letters):
    /// the change to write — a higher value, and a following rule frozen at <paramref name="now"/> — or null.
    /// </summary>
    public (long? Value, ClockFollow? Follow)? RecordTraffic(BusPartition partition, long? high, long now)
    {
        var known = TimeMark(partition);
        long? value = high is { } h && (known.Value is null || h > known.Value) ? h : null;
        ClockFollow? freeze = known.Follow is { } f && f.IsFollowing(now) ? f with { Until = now } : null;
        if (value is null && freeze is null)
        {
            return null;
        }
        times[(partition.Topic, partition.Partition)] = new StoredMark(value ?? known.Value, freeze ?? known.Follow);
        return (value, freeze);
    }

    /// <summary>
    /// An idle partition: the clock rule to write (lag <paramref name="lag"/>, until now + <paramref name="lease"/>),
    /// or null when the stored rule already follows the clock with more than half its lease left.
    /// </summary>
    public ClockFollow? RecordIdle(BusPartition partition, long lag, long lease, long now)
    {
        var known = TimeMark(partition);
        if (known.Follow is { } f && f.Lag == lag && f.Until - now > lease / 2)
        {
            return null;
        }
        var rule = new ClockFollow(lag, now + lease);
        times[(partition.Topic, partition.Partition)] = known with { Follow = rule };
        return rule;
    }

    /// <summary>Takes a fresh read of the source's rows, with this round's not yet written rows of the source laid over it.</summary>
    public void Refresh(SourceMarks fresh, IEnumerable<WatermarkWrite> pending)
    {
        foreach (var (key, value) in fresh.Offsets)
        {
            offsets[key] = Math.Max(value, offsets.GetValueOrDefault(key, long.MinValue));
        }
        foreach (var (key, mark) in fresh.PartitionTimes)
        {
            times[key] = mark;
        }
        EventTime = fresh.EventTime;
        foreach (var write in pending.Where(w => w.Kind == WatermarkKind.PartitionTime))
        {
            var key = (write.Stream, write.Partition);
            var stored = times.GetValueOrDefault(key);
            var value = write.Value is { } v && (stored.Value is null || v > stored.Value) ? v : stored.Value;
            times[key] = new StoredMark(value, write.Follow ?? stored.Follow);
        }
    }

    /// <summary>Remembers a write of the source's event-time row.</summary>
    public void SetEventTime(long? value, ClockFollow? follow) =>
        EventTime = new StoredMark(value is { } v && (EventTime.Value is null || v > EventTime.Value) ? v : EventTime.Value, follow ?? EventTime.Follow);
}
