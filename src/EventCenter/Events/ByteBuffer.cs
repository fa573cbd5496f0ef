using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.EventCenter.Events;

/// <summary>A small growable byte writer for keys and encoded events (one per build; not thread-safe).</summary>
internal sealed class ByteBuffer(int capacity = 128)
{
    private byte[] _buffer = new byte[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    public void Clear() => Length = 0;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteInt64BigEndian(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteInt32BigEndian(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteVarUInt64(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Length-prefixed UTF-8.</summary>
    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt64((ulong)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>Length+1 prefixed bytes; a 0 prefix means null.</summary>
    public void WriteNullableBytes(byte[]? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }
        WriteVarUInt64((ulong)value.Length + 1);
        Write(value);
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
