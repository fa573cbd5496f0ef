using System.Buffers.Binary;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Tiering;

/// <summary>
/// Re-heat markers in the hot store: "every event of this entity (or source) with event time in [from, to)
/// is in the hot store". Row per entity or source, one cell per interval (qualifier = from, to), in a family
/// whose TTL is the re-heat retention and whose cell timestamp is the re-heat time minus a margin, so a
/// marker expires before the rows it vouches for.
/// </summary>
internal sealed class ReheatCoverage(IWideTableStore store, TableName table, TimeSpan retention)
{
    private static readonly byte[] Family = "c"u8.ToArray();
    private static readonly byte[] Present = [1];

    public ValueTask EnsureAsync(CancellationToken cancellationToken) =>
        store.EnsureTableAsync(new TableSpec(table, [new FamilySpec("c", 1, retention)]), cancellationToken);

    /// <summary>True when [from, to) is empty or covered by the entity's or the source's markers.</summary>
    public async ValueTask<bool> CoversAsync(string source, string? entityKey, long from, long to, CancellationToken cancellationToken)
    {
        if (from >= to)
        {
            return true;
        }
        var gets = entityKey is null ? [new Get(RowKey(source, null))] : new[] { new Get(RowKey(source, entityKey)), new Get(RowKey(source, null)) };
        var rows = await store.GetManyAsync(table, gets, cancellationToken);
        var intervals = new List<(long From, long To)>();
        foreach (var row in rows)
        {
            if (row is null)
            {
                continue;
            }
            foreach (var cell in row.Cells)
            {
                if (cell.Qualifier.Length == 16)
                {
                    intervals.Add((OrderedRead(cell.Qualifier, 0), OrderedRead(cell.Qualifier, 8)));
                }
            }
        }
        intervals.Sort((a, b) => a.From.CompareTo(b.From));
        var covered = from;
        foreach (var (start, end) in intervals)
        {
            if (start > covered)
            {
                break;
            }
            covered = Math.Max(covered, end);
            if (covered >= to)
            {
                return true;
            }
        }
        return false;
    }

    public ValueTask AddAsync(string source, string? entityKey, long from, long to, long stamp, CancellationToken cancellationToken)
    {
        var qualifier = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(qualifier, from ^ long.MinValue);
        BinaryPrimitives.WriteInt64BigEndian(qualifier.AsSpan(8), to ^ long.MinValue);
        return store.PutAsync(table, [new Put(RowKey(source, entityKey), [new Cell(Family, qualifier, stamp, Present)])], cancellationToken);
    }

    private static long OrderedRead(byte[] bytes, int offset) => BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(offset, 8)) ^ long.MinValue;

    private static byte[] RowKey(string source, string? entityKey)
    {
        var buffer = new ByteBuffer(64);
        buffer.WriteByte(entityKey is null ? (byte)'s' : (byte)'e');
        OrderedBytes.WriteString(buffer, source);
        if (entityKey is not null)
        {
            OrderedBytes.WriteString(buffer, entityKey);
        }
        return buffer.ToArray();
    }
}
