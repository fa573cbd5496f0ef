namespace FeaturePlatform.EventCenter.Storage;

/// <summary>Byte-order helpers for row keys (unsigned lexicographic order, as HBase sorts).</summary>
public static class RowKeys
{
    /// <summary>Unsigned lexicographic comparison of two keys.</summary>
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    /// <summary>
    /// The smallest key greater than every key starting with <paramref name="prefix"/>, or empty when no
    /// such key exists (the prefix is all 0xFF).
    /// </summary>
    public static byte[] PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        return [];
    }
}
