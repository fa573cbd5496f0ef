using System.Text;

namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// Order-preserving, self-delimiting encodings for row-key parts (unsigned lexicographic order of the encoded
/// bytes equals the natural order of the values).
/// </summary>
internal static class OrderedBytes
{
    private const byte Escape = 0x00;
    private const byte EscapedZero = 0xFF;
    private const byte Terminator = 0x01;

    /// <summary>Writes UTF-8 text with 0x00 escaped as 0x00 0xFF and a 0x00 0x01 terminator (prefix-free, ordered).</summary>
    public static void WriteString(ByteBuffer buffer, string value)
    {
        Span<byte> stack = stackalloc byte[256];
        var count = Encoding.UTF8.GetByteCount(value);
        var utf8 = count <= stack.Length ? stack[..count] : new byte[count];
        Encoding.UTF8.GetBytes(value, utf8);
        var start = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == Escape)
            {
                buffer.Write(utf8[start..(i + 1)]);
                buffer.WriteByte(EscapedZero);
                start = i + 1;
            }
        }
        buffer.Write(utf8[start..]);
        buffer.WriteByte(Escape);
        buffer.WriteByte(Terminator);
    }

    /// <summary>The offset just past the escaped string that starts at <paramref name="offset"/>.</summary>
    public static int SkipString(ReadOnlySpan<byte> key, int offset)
    {
        for (var i = offset; i + 1 < key.Length; i++)
        {
            if (key[i] == Escape)
            {
                if (key[i + 1] == Terminator)
                {
                    return i + 2;
                }
                i++; // escaped zero
            }
        }
        throw new FormatException("Unterminated string in row key.");
    }

    /// <summary>Reads the escaped string starting at <paramref name="offset"/>.</summary>
    public static string ReadString(ReadOnlySpan<byte> key, ref int offset)
    {
        var end = SkipString(key, offset);
        var raw = new List<byte>(end - offset);
        for (var i = offset; i < end - 2; i++)
        {
            raw.Add(key[i]);
            if (key[i] == Escape)
            {
                i++;
            }
        }
        offset = end;
        return Encoding.UTF8.GetString([.. raw]);
    }

    /// <summary>Signed 64-bit value, big-endian with the sign bit flipped (orders negatives first).</summary>
    public static void WriteInt64(ByteBuffer buffer, long value) => buffer.WriteInt64BigEndian(value ^ long.MinValue);

    /// <summary>Reads what <see cref="WriteInt64"/> wrote.</summary>
    public static long ReadInt64(ReadOnlySpan<byte> key, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(key.Slice(offset, 8)) ^ long.MinValue;

    /// <summary>Signed 32-bit value, big-endian with the sign bit flipped.</summary>
    public static void WriteInt32(ByteBuffer buffer, int value) => buffer.WriteInt32BigEndian(value ^ int.MinValue);
}
