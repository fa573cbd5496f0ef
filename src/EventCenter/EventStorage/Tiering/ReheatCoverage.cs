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
/// <remarks>
/// Markers seen or written here are also remembered in memory until they expire (their stamp plus the retention), so a
/// range already known covered costs no read of the store: a replay asks once per chunk, and an as-of read of settled
/// history twice per entity (its state, then its next change). Remembering is safe because a marker only ever goes by
/// expiring, and late events below a marker go to hot as well. A range not known covered is read from the store as
/// before (markers written by other processes are found there).
/// </remarks>
internal sealed class ReheatCoverage(IWideTableStore store, TableName table, TimeSpan retention, TimeProvider clock)
{
    /// <summary>Rows (entities or sources) remembered before the memory starts over.</summary>
    public const int RememberedRows = 100_000;

    private static readonly byte[] Family = "c"u8.ToArray();
    private static readonly byte[] Present = [1];
    private readonly long retentionMs = (long)retention.TotalMilliseconds;
    private readonly Lock gate = new();
    private readonly Dictionary<(string Source, string? Entity), List<Marker>> remembered = [];

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
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (Gaps(Remembered(source, entityKey, now), from, to).Count == 0)
        {
            return [];
        }
        var gets = entityKey is null ? [new Get(RowKey(source, null))] : new[] { new Get(RowKey(source, entityKey)), new Get(RowKey(source, null)) };
        var rows = await store.GetManyAsync(table, gets, cancellationToken);
        var intervals = new List<(long From, long To)>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i] is not { } row)
            {
                continue;
            }
            foreach (var cell in row.Cells)
            {
                if (cell.Qualifier.Length == 16)
                {
                    var marker = new Marker(OrderedRead(cell.Qualifier, 0), OrderedRead(cell.Qualifier, 8), cell.Timestamp + retentionMs);
                    intervals.Add((marker.From, marker.To));
                    Remember(source, i == 0 ? entityKey : null, marker);
                }
            }
        }
        return Gaps(intervals, from, to);
    }

    /// <summary>The parts of [from, to) that <paramref name="intervals"/> leave uncovered, in order.</summary>
    private static List<(long From, long To)> Gaps(List<(long From, long To)> intervals, long from, long to)
    {
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

    /// <summary>The unexpired markers remembered for the entity and for its whole source.</summary>
    private List<(long From, long To)> Remembered(string source, string? entityKey, long now)
    {
        var intervals = new List<(long From, long To)>();
        lock (gate)
        {
            Collect(source, entityKey);
            if (entityKey is not null)
            {
                Collect(source, null);
            }
        }
        return intervals;

        void Collect(string s, string? e)
        {
            if (remembered.TryGetValue((s, e), out var markers))
            {
                markers.RemoveAll(m => m.ExpiresAt <= now);
                intervals.AddRange(markers.Select(m => (m.From, m.To)));
            }
        }
    }

    private void Remember(string source, string? entityKey, Marker marker)
    {
        lock (gate)
        {
            if (!remembered.TryGetValue((source, entityKey), out var markers))
            {
                if (remembered.Count >= RememberedRows)
                {
                    remembered.Clear();
                }
                markers = [];
                remembered[(source, entityKey)] = markers;
            }
            if (!markers.Contains(marker))
            {
                markers.Add(marker);
            }
        }
    }

    public async ValueTask AddAsync(string source, string? entityKey, long from, long to, long stamp, CancellationToken cancellationToken)
    {
        var qualifier = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(qualifier, from ^ long.MinValue);
        BinaryPrimitives.WriteInt64BigEndian(qualifier.AsSpan(8), to ^ long.MinValue);
        await store.PutAsync(table, [new Put(RowKey(source, entityKey), [new Cell(Family, qualifier, stamp, Present)])], cancellationToken);
        Remember(source, entityKey, new Marker(from, to, stamp + retentionMs)); // once stored: a failed write is not remembered
    }

    /// <summary>A covered range of event time and when its marker expires (ms).</summary>
    private readonly record struct Marker(long From, long To, long ExpiresAt);

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
