namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// One row of a batched watermark write (<see cref="IWatermarkStore.WriteAsync"/>): a new value and/or a new
/// clock rule for an offset watermark, a partition's event-time mark or a source's event-time watermark.
/// </summary>
public sealed record WatermarkWrite
{
    private WatermarkWrite(WatermarkKind kind, string source, string stream, int partition, long? value, ClockFollow? follow)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (value is null && follow is null)
        {
            throw new ArgumentException("A watermark write needs a value or a clock rule.");
        }
        Kind = kind;
        Source = source;
        Stream = stream;
        Partition = partition;
        Value = value;
        Follow = follow;
    }

    /// <summary>Which watermark the row holds.</summary>
    public WatermarkKind Kind { get; }

    /// <summary>The source.</summary>
    public string Source { get; }

    /// <summary>Topic/stream (empty for <see cref="WatermarkKind.EventTime"/>).</summary>
    public string Stream { get; }

    /// <summary>Partition (0 for <see cref="WatermarkKind.EventTime"/>).</summary>
    public int Partition { get; }

    /// <summary>The value to raise the row to (max-merged: never lowers it), or null to leave it.</summary>
    public long? Value { get; }

    /// <summary>The clock rule to store (the newest written rule wins), or null to leave it.</summary>
    public ClockFollow? Follow { get; }

    /// <summary>Raises the offset watermark of a partition (every offset below <paramref name="nextOffset"/> is stored).</summary>
    public static WatermarkWrite Offset(string source, string stream, int partition, long nextOffset) =>
        new(WatermarkKind.Offset, source, stream, partition, nextOffset, null);

    /// <summary>Raises and/or sets the clock rule of a partition's event-time mark.</summary>
    public static WatermarkWrite PartitionTime(string source, string topic, int partition, long? mark, ClockFollow? follow) =>
        new(WatermarkKind.PartitionTime, source, topic, partition, mark, follow);

    /// <summary>Raises and/or sets the clock rule of a source's event-time watermark.</summary>
    public static WatermarkWrite EventTime(string source, long? value, ClockFollow? follow) =>
        new(WatermarkKind.EventTime, source, "", 0, value, follow);
}

/// <summary>The watermarks the index keeps.</summary>
public enum WatermarkKind
{
    /// <summary>Offset watermark of (source, stream, partition).</summary>
    Offset,

    /// <summary>Event-time mark of (source, topic, partition).</summary>
    PartitionTime,

    /// <summary>Event-time watermark of a source.</summary>
    EventTime,
}

/// <summary>Every watermark row of one source as stored (one scan), for an ingest process to combine with its own.</summary>
/// <param name="Offsets">Offset watermarks by (stream, partition).</param>
/// <param name="PartitionTimes">Partition event-time marks by (topic, partition).</param>
/// <param name="EventTime">The source's event-time watermark.</param>
public sealed record SourceMarks(
    IReadOnlyDictionary<(string Stream, int Partition), long> Offsets,
    IReadOnlyDictionary<(string Topic, int Partition), StoredMark> PartitionTimes,
    StoredMark EventTime);
