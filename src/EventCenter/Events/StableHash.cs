using System.Text;

namespace FeaturePlatform.EventCenter.Events;

/// <summary>FNV-1a (32-bit) over UTF-8: stable across processes and versions, unlike string.GetHashCode.</summary>
internal static class StableHash
{
    private const uint Offset = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Hash of <paramref name="a"/>, a 0x00 separator, and <paramref name="b"/>.</summary>
    public static uint Of(string a, string b)
    {
        var hash = Append(Offset, a);
        hash = (hash ^ 0) * Prime;
        return Append(hash, b);
    }

    private static uint Append(uint hash, string value)
    {
        Span<byte> stack = stackalloc byte[256];
        var count = Encoding.UTF8.GetByteCount(value);
        var utf8 = count <= stack.Length ? stack[..count] : new byte[count];
        Encoding.UTF8.GetBytes(value, utf8);
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * Prime;
        }
        return hash;
    }
}
