using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.EventCenter.Events;

/// <summary>Reads what <see cref="ByteBuffer"/> wrote; throws <see cref="FormatException"/> on truncated input.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly bool AtEnd => Position >= _data.Length;

    public byte ReadByte() => Take(1)[0];

    public long ReadInt64BigEndian() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public int ReadInt32BigEndian() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new FormatException("Malformed varint.");
    }

    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadLength()));

    public byte[]? ReadNullableBytes()
    {
        var prefix = ReadVarUInt64();
        return prefix == 0 ? null : Take(CheckedLength(prefix - 1)).ToArray();
    }

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || Position + count > _data.Length)
        {
            throw new FormatException($"Truncated data: need {count} bytes at {Position}, have {_data.Length - Position}.");
        }
        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    private int ReadLength() => CheckedLength(ReadVarUInt64());

    private readonly int CheckedLength(ulong length) =>
        length > (ulong)(_data.Length - Position) ? throw new FormatException($"Length {length} exceeds the remaining data.") : (int)length;
}
