using System.Buffers.Binary;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage.Tiering;

/// <summary>
/// Re-heat markers in the hot store: "every event of this entity (or source) with event time in [from, to)
/// is in the hot store", in absolute event time. Row per entity or source, one cell per interval (qualifier =
/// from, to), in a family whose TTL is the re-heat retention and whose cell timestamp is the re-heat time minus a
/// margin, so a marker expires before the rows it vouches for. A marker is written only for the rows copied with
/// it (the gaps of a read), so each marker and its rows expire together.
/// </summary>
internal sealed class ReheatCoverage(IWideTableStore store, TableName table, TimeSpan retention)
{
    private static readonly byte[] Family = "c"u8.ToArray();
    private static readonly byte[] Present = [1];

    public ValueTask EnsureAsync(CancellationToken cancellationToken) =>
        store.EnsureTableAsync(new TableSpec(table, [new FamilySpec("c", 1, retention)]), cancellationToken);

    /// <summary>
    /// The parts of [from, to) that no marker of the entity (or of the whole source) covers, in order; empty when
    /// the range is covered (or empty). Markers are absolute event-time ranges, so a read covered yesterday is
    /// covered today, whatever the window did since.
    /// </summary>
    public async ValueTask<IReadOnlyList<(long From, long To)>> GapsAsync(string source, string? entityKey, long from, long to, CancellationToken cancellationToken)
    {
        if (from >= to)
        {
            return [];
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
        var gaps = new List<(long From, long To)>();
        var covered = from;
        foreach (var (start, end) in intervals)
        {
            if (covered >= to)
            {
                break;
            }
            if (start > covered)
            {
                gaps.Add((covered, Math.Min(start, to)));
            }
            covered = Math.Max(covered, end);
        }
        if (covered < to)
        {
            gaps.Add((covered, to));
        }
        return gaps;
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
