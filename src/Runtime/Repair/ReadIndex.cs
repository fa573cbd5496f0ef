using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// Which computations read what: per (source, entity) the computations that read it, by the latest event time their
/// read depends on, so a late event of that entity at time <c>t</c> finds every computation whose read covered
/// <c>t</c> — the ones whose result it may change.
/// </summary>
/// <remarks>
/// Row key <c>source␀key␀until(8 bytes, big-endian, sign flipped)␀job␀trigger source␀trigger event id</c>; one cell
/// holding the read's earliest time (<see cref="TrackedRead.Since"/>). A late event at <c>t</c> scans
/// <c>source␀key␀</c> from <c>until ≥ t</c> and keeps the reads with <c>since ≤ t</c>. Cells expire after
/// <see cref="RepairSettings.ReadRetention"/> (stamped with the computation time).
/// </remarks>
public sealed class ReadIndex(IWideTableStore store, RepairSettings settings, TimeProvider clock)
{
    private static readonly byte[] Family = "r"u8.ToArray();
    private static readonly byte[] Column = "s"u8.ToArray();

    /// <summary>The table: <c>job_reads</c>.</summary>
    public TableName Table { get; } = new(null, "job_reads");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("r", 1, settings.ReadRetention)]), cancellationToken);

    /// <summary>
    /// Records <paramref name="reads"/> of <paramref name="job"/>'s computations of <paramref name="triggers"/> (by index),
    /// whose batch started computing at <paramref name="computedFrom"/> (ms; the cells' timestamp, so TTLs count from it).
    /// </summary>
    public async ValueTask WriteAsync(string job, IReadOnlyList<ChangeEvent> triggers, IReadOnlyCollection<TrackedRead> reads, long computedFrom, CancellationToken cancellationToken)
    {
        if (reads.Count == 0)
        {
            return;
        }
        // Stamped with when the batch started: a repair tells by it whether the computation may have read before an event was stored.
        var now = Math.Min(computedFrom, clock.GetUtcNow().ToUnixTimeMilliseconds());
        // Two reads of one computation with the same entity and as-of time are one row: the wider range kept.
        var widest = new Dictionary<(int EventIndex, string Source, string Key, long Until), long>();
        foreach (var read in reads)
        {
            if (read.EventIndex < 0 || read.EventIndex >= triggers.Count)
            {
                continue;
            }
            var id = (read.EventIndex, read.Source, read.Key, read.Until);
            widest[id] = widest.TryGetValue(id, out var since) ? Widest(since, read.Since) : read.Since;
        }
        var puts = new List<Put>(widest.Count);
        foreach (var ((index, source, key, until), since) in widest)
        {
            var trigger = triggers[index];
            var value = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(value, since);
            puts.Add(new Put(RowKey(source, key, until, job, trigger.Source, trigger.EventId), [new Cell(Family, Column, now, value)]));
        }
        await store.PutAsync(Table, puts, cancellationToken);
    }

    /// <summary>
    /// One row for two reads of an entity as of the same time: a fetch (<see cref="long.MinValue"/>, it depends on the
    /// latest change only) and a history of any range depend on every change up to then (<see cref="AllBefore"/>).
    /// </summary>
    private static long Widest(long a, long b) => a == b ? a : Math.Max(AllBefore, Math.Min(a, b));

    /// <summary>A read that depends on every change up to its as-of time, not only the latest one as a fetch does.</summary>
    public const long AllBefore = long.MinValue + 1;

    /// <summary>The computations that read <paramref name="key"/> of <paramref name="source"/> over a range covering <paramref name="eventTime"/>.</summary>
    public async IAsyncEnumerable<RecordedReader> FindReadersAsync(string source, string key, long eventTime, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = Prefix(source, key);
        var start = new byte[prefix.Length + 8];
        prefix.CopyTo(start, 0);
        WriteTime(start.AsSpan(prefix.Length), eventTime);
        var scan = new Scan { StartRow = start, Prefix = prefix, PageSize = 512 };
        await foreach (var row in store.ScanAsync(Table, scan, cancellationToken))
        {
            var since = BinaryPrimitives.ReadInt64BigEndian(row.Cells[0].Value);
            if (since > eventTime)
            {
                continue;
            }
            var until = unchecked((long)(BinaryPrimitives.ReadUInt64BigEndian(row.Row.AsSpan(prefix.Length)) ^ 0x8000_0000_0000_0000UL));
            ReadOnlySpan<byte> rest = row.Row.AsSpan(prefix.Length + 8 + 1);
            var job = Take(ref rest);
            var triggerSource = Take(ref rest);
            yield return new RecordedReader(job, triggerSource, Encoding.UTF8.GetString(rest), row.Cells[0].Timestamp, since, until);
        }
    }

    private static string Take(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf((byte)0);
        var value = Encoding.UTF8.GetString(rest[..end]);
        rest = rest[(end + 1)..];
        return value;
    }

    private static byte[] Prefix(string source, string key) => [.. Encoding.UTF8.GetBytes(source), 0, .. Encoding.UTF8.GetBytes(key), 0];

    private static byte[] RowKey(string source, string key, long until, string job, string triggerSource, string triggerId)
    {
        var time = new byte[8];
        WriteTime(time, until);
        return [.. Prefix(source, key), .. time, 0, .. Encoding.UTF8.GetBytes(job), 0, .. Encoding.UTF8.GetBytes(triggerSource), 0, .. Encoding.UTF8.GetBytes(triggerId)];
    }

    /// <summary>Big-endian with the sign bit flipped: byte order is numeric order, negative times included.</summary>
    private static void WriteTime(Span<byte> into, long time) => BinaryPrimitives.WriteUInt64BigEndian(into, unchecked((ulong)time ^ 0x8000_0000_0000_0000UL));
}

/// <summary>A computation found in the read index: the job and the trigger event it computed.</summary>
/// <param name="Job">The job.</param>
/// <param name="TriggerSource">The trigger event's source.</param>
/// <param name="TriggerEventId">The trigger event's id.</param>
/// <param name="ComputedFrom">When the computation's batch started (ms): its reads happened at or after this.</param>
/// <param name="Since">The earliest event time the read depends on: <see cref="long.MinValue"/> for a fetch (the latest change up to <paramref name="Until"/>).</param>
/// <param name="Until">The read's as-of time (ms).</param>
public readonly record struct RecordedReader(string Job, string TriggerSource, string TriggerEventId, long ComputedFrom, long Since, long Until)
{
    /// <summary>A fetch as of <see cref="Until"/>: it depends only on the entity's latest change up to then.</summary>
    public bool IsFetch => Since == long.MinValue;
}
