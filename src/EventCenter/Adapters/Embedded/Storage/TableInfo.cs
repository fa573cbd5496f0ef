using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>A family as the embedded store uses it: name bytes, versions kept, TTL in ms.</summary>
internal sealed class FamilyInfo(FamilySpec spec)
{
    public FamilySpec Spec { get; } = spec;

    public byte[] Name { get; } = Encoding.ASCII.GetBytes(spec.Name);

    public int MaxVersions { get; } = spec.MaxVersions;

    public long? TtlMs { get; } = spec.TimeToLive is { } ttl ? (long)ttl.TotalMilliseconds : null;

    /// <summary>Oldest visible timestamp at <paramref name="nowMs"/> (cells below it are expired), 0 without TTL.</summary>
    public long ExpiryCutoff(long nowMs) => TtlMs is { } ttl ? nowMs - ttl : 0;
}

/// <summary>A wide table's metadata and the name of the SQLite table that holds its cells.</summary>
internal sealed class TableInfo
{
    public TableInfo(TableSpec spec)
    {
        Spec = spec;
        Name = spec.Name;
        // SQLite identifiers are case-insensitive and HBase names are not: hex keeps them apart.
        SqlName = "\"w_" + Convert.ToHexString(Encoding.UTF8.GetBytes(spec.Name.Qualified)).ToLowerInvariant() + "\"";
        Families = spec.Families.Select(f => new FamilyInfo(f)).OrderBy(f => f.Name, ByteArrayComparer.Instance).ToArray();
        PutSql = $"INSERT OR REPLACE INTO {SqlName}(row, fam, qual, nts, val) VALUES ($p0, $p1, $p2, $p3, $p4)";
    }

    public TableSpec Spec { get; }

    public TableName Name { get; }

    public string SqlName { get; }

    /// <summary>The statement that writes one cell (built once: every put uses it).</summary>
    public string PutSql { get; }

    /// <summary>Families sorted by name bytes.</summary>
    public FamilyInfo[] Families { get; }

    public FamilyInfo? Find(ReadOnlySpan<byte> family)
    {
        foreach (var f in Families)
        {
            if (family.SequenceEqual(f.Name))
            {
                return f;
            }
        }
        return null;
    }

    public FamilyInfo Require(byte[] family) =>
        Find(family) ?? throw new NoSuchColumnFamilyException(Name, Encoding.UTF8.GetString(family));
}

/// <summary>Unsigned lexicographic comparer for byte arrays.</summary>
internal sealed class ByteArrayComparer : IComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => RowKeys.Compare(x, y);
}
