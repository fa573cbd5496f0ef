using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.EventCenter.Bus;

/// <summary>Binary form of message headers (bus files, dead letters): count, then (name length, UTF-8 name, value length, value) each.</summary>
internal static class HeaderCodec
{
    private static readonly IReadOnlyList<KeyValuePair<string, byte[]>> None = [];

    public static byte[]? Encode(IReadOnlyList<KeyValuePair<string, byte[]>>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }
        var size = 4;
        foreach (var (name, value) in headers)
        {
            size += 8 + Encoding.UTF8.GetByteCount(name) + value.Length;
        }
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, headers.Count);
        var pos = 4;
        foreach (var (name, value) in headers)
        {
            var n = Encoding.UTF8.GetBytes(name, span[(pos + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[pos..], n);
            pos += 4 + n;
            BinaryPrimitives.WriteInt32BigEndian(span[pos..], value.Length);
            value.CopyTo(span[(pos + 4)..]);
            pos += 4 + value.Length;
        }
        return buffer;
    }

    public static IReadOnlyList<KeyValuePair<string, byte[]>> Decode(byte[]? bytes)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return None;
        }
        ReadOnlySpan<byte> span = bytes;
        var count = BinaryPrimitives.ReadInt32BigEndian(span);
        var headers = new KeyValuePair<string, byte[]>[count];
        var pos = 4;
        for (var i = 0; i < count; i++)
        {
            var n = BinaryPrimitives.ReadInt32BigEndian(span[pos..]);
            var name = Encoding.UTF8.GetString(span.Slice(pos + 4, n));
            pos += 4 + n;
            var v = BinaryPrimitives.ReadInt32BigEndian(span[pos..]);
            headers[i] = new(name, span.Slice(pos + 4, v).ToArray());
            pos += 4 + v;
        }
        return headers;
    }
}
