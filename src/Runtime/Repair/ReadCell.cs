using System.Buffers.Binary;
using System.Text;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// The value of a read-index row: the read's earliest time (8 bytes, big-endian), then the trigger event's stored
/// position — partition (4 bytes), offset (8 bytes), stream (UTF-8, the rest). Rows written before positions were
/// recorded hold the 8 bytes alone; they decode with no position.
/// </summary>
internal static class ReadCell
{
    private const int SinceBytes = 8;
    private const int PositionBytes = 4 + 8;

    /// <summary>The cell value for a read since <paramref name="since"/> by a computation of a trigger stored from <paramref name="position"/>.</summary>
    public static byte[] Encode(long since, SourcePosition position)
    {
        var stream = Encoding.UTF8.GetByteCount(position.Stream);
        var value = new byte[SinceBytes + PositionBytes + stream];
        BinaryPrimitives.WriteInt64BigEndian(value, since);
        BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(SinceBytes), position.Partition);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(SinceBytes + 4), position.Offset);
        Encoding.UTF8.GetBytes(position.Stream, value.AsSpan(SinceBytes + PositionBytes));
        return value;
    }

    /// <summary>The read's earliest time and its trigger's stored position (null when the row has none).</summary>
    public static (long Since, SourcePosition? Position) Decode(ReadOnlySpan<byte> value)
    {
        var since = BinaryPrimitives.ReadInt64BigEndian(value);
        if (value.Length < SinceBytes + PositionBytes)
        {
            return (since, null);
        }
        var partition = BinaryPrimitives.ReadInt32BigEndian(value[SinceBytes..]);
        var offset = BinaryPrimitives.ReadInt64BigEndian(value[(SinceBytes + 4)..]);
        return (since, new SourcePosition(Encoding.UTF8.GetString(value[(SinceBytes + PositionBytes)..]), partition, offset));
    }
}
