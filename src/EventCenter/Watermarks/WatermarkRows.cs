using System.Buffers.Binary;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// Row keys and cells of the watermark table. Row <c>source 'o' stream partition</c> (offsets and partition time
/// marks) or <c>source 't'</c> (event time). Cell w:v holds the value (8 bytes, big-endian) with cell timestamp
/// <see cref="ValueStamp"/>: the newest version is the highest value, so blind batched puts from any number of
/// processes max-merge (rows written before this scheme used timestamp 1 and lose to any new write). Cell w:f holds
/// a <see cref="ClockFollow"/> (lag, until) stamped with the write time: the newest rule wins.
/// </summary>
internal static class WatermarkRows
{
    public static readonly byte[] Family = "w"u8.ToArray();
    public static readonly byte[] ValueQualifier = "v"u8.ToArray();
    public static readonly byte[] FollowQualifier = "f"u8.ToArray();

    /// <summary>Cell timestamp of a value: increasing with the value, above the legacy constant 1, never negative.</summary>
    /// <remarks>Negative values (event times before 1970) all share timestamp 0 and do not max-merge among themselves.</remarks>
    public static long ValueStamp(long value) => value < 0 ? 0 : value >= long.MaxValue - 3 ? long.MaxValue - 1 : value + 2;

    public static ByteBuffer SourcePrefix(string source)
    {
        var buffer = new ByteBuffer(48);
        OrderedBytes.WriteString(buffer, source);
        return buffer;
    }

    public static byte[] SourceRow(string source, char kind)
    {
        var buffer = SourcePrefix(source);
        buffer.WriteByte((byte)kind);
        return buffer.ToArray();
    }

    public static byte[] OffsetRow(string source, string stream, int partition)
    {
        var buffer = SourcePrefix(source);
        buffer.WriteByte((byte)'o');
        OrderedBytes.WriteString(buffer, stream);
        OrderedBytes.WriteInt32(buffer, partition);
        return buffer.ToArray();
    }

    public static byte[] RowOf(WatermarkWrite write) => write.Kind switch
    {
        WatermarkKind.Offset => OffsetRow(write.Source, write.Stream, write.Partition),
        WatermarkKind.PartitionTime => OffsetRow(write.Source, PartitionTimeMarks.StreamOf(write.Stream), write.Partition),
        _ => SourceRow(write.Source, 't'),
    };

    public static Put PutOf(WatermarkWrite write, long now)
    {
        var cells = new List<Cell>(2);
        if (write.Value is { } value)
        {
            cells.Add(ValueCell(value));
        }
        if (write.Follow is { } follow)
        {
            var bytes = new byte[16];
            BinaryPrimitives.WriteInt64BigEndian(bytes, follow.Lag);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), follow.Until);
            cells.Add(new Cell(Family, FollowQualifier, Math.Max(0, now), bytes));
        }
        return new Put(RowOf(write), cells);
    }

    public static Cell ValueCell(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return new Cell(Family, ValueQualifier, ValueStamp(value), bytes);
    }

    public static StoredMark Read(RowResult? row)
    {
        if (row is null)
        {
            return default;
        }
        long? value = null;
        ClockFollow? follow = null;
        foreach (var cell in row.Cells)
        {
            if (cell.Qualifier.AsSpan().SequenceEqual(ValueQualifier) && cell.Value.Length == 8)
            {
                value ??= BinaryPrimitives.ReadInt64BigEndian(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(FollowQualifier) && cell.Value.Length == 16)
            {
                follow ??= new ClockFollow(BinaryPrimitives.ReadInt64BigEndian(cell.Value), BinaryPrimitives.ReadInt64BigEndian(cell.Value.AsSpan(8)));
            }
        }
        return new StoredMark(value, follow);
    }

    /// <summary>Stream and partition of an offset row under <paramref name="prefixLength"/> bytes of source prefix plus 'o'.</summary>
    public static (string Stream, int Partition) ParseOffsetRow(byte[] row, int prefixLength)
    {
        var offset = prefixLength;
        var stream = OrderedBytes.ReadString(row, ref offset);
        var partition = BinaryPrimitives.ReadInt32BigEndian(row.AsSpan(offset, 4)) ^ int.MinValue;
        return (stream, partition);
    }
}
