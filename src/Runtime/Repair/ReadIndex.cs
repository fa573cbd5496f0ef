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
/// One row per read, keyed time-major (<see cref="ReadIndexKeys"/>: salt, source, 1-minute bucket of the as-of time,
/// entity, as-of time, computation), one cell holding the read's earliest time (<see cref="TrackedRead.Since"/>); and
/// one row per (source, bucket) that holds reads. A late event at <c>t</c> lists the source's buckets from
/// <c>t</c>'s on and scans, in each, its entity's reads with <c>until ≥ t</c>, keeping those with <c>since ≤ t</c>.
/// Cells expire after <see cref="RepairSettings.ReadRetention"/> (stamped with the computation time; bucket rows with
/// the end of the hour they were last written in, so they outlive every read they list). Rows of the layout before
/// (entity-first) are looked up too while any is left (<see cref="LegacyRecheck"/>).
/// </remarks>
public sealed class ReadIndex(IWideTableStore store, RepairSettings settings, TimeProvider clock)
{
    private static readonly byte[] Family = "r"u8.ToArray();
    private static readonly byte[] Column = "s"u8.ToArray();
    private static readonly byte[] Empty = [];

    /// <summary>How often, while rows of the layout before are left, whether any still is gets checked again: 1 minute.</summary>
    public static readonly TimeSpan LegacyRecheck = TimeSpan.FromMinutes(1);

    // (source, bucket) → the hour stamp its bucket row was last written with by this process.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Source, long Bucket), long> bucketsWritten = new();
    private readonly SemaphoreSlim legacyCheck = new(1, 1);
    private long legacyCheckedAt = long.MinValue;
    private bool legacyLeft = true;

    /// <summary>The table: <c>job_reads</c>.</summary>
    public TableName Table { get; } = new(null, "job_reads");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("r", 1, settings.ReadRetention)]), cancellationToken);

    /// <summary>
    /// Records <paramref name="reads"/> of <paramref name="job"/>'s computations of <paramref name="triggers"/> (by index),
    /// whose batch started computing at <paramref name="computedFrom"/> (ms; the cells' timestamp, so TTLs count from it).
    /// </summary>
    public ValueTask WriteAsync(string job, IReadOnlyList<ChangeEvent> triggers, IReadOnlyCollection<TrackedRead> reads, long computedFrom, CancellationToken cancellationToken) =>
        WriteAsync(Rows(job, triggers, reads, computedFrom), cancellationToken);

    /// <summary>Stores rows made by <see cref="Rows"/>; once they are stored, their buckets count as listed.</summary>
    internal async ValueTask WriteAsync(ReadRows rows, CancellationToken cancellationToken)
    {
        if (rows.Puts.Count == 0)
        {
            return;
        }
        await store.PutAsync(Table, rows.Puts, cancellationToken);
        foreach (var bucket in rows.NewBuckets)
        {
            if (bucketsWritten.Count > 100_000)
            {
                bucketsWritten.Clear();
            }
            bucketsWritten[bucket] = rows.BucketStamp;
        }
    }

    /// <summary>The rows recording <paramref name="reads"/> (see <see cref="WriteAsync(string, IReadOnlyList{ChangeEvent}, IReadOnlyCollection{TrackedRead}, long, CancellationToken)"/>).</summary>
    internal ReadRows Rows(string job, IReadOnlyList<ChangeEvent> triggers, IReadOnlyCollection<TrackedRead> reads, long computedFrom)
    {
        if (reads.Count == 0)
        {
            return new ReadRows([], [], 0);
        }
        // Stamped with when the batch started: a repair tells by it whether the computation may have read before an event was stored.
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var now = Math.Min(computedFrom, nowMs);
        // Two reads of one computation with the same entity and as-of time are one row: the wider range kept.
        var widest = new Dictionary<(int EventIndex, string Source, string Key, long Until), long>(reads.Count);
        foreach (var read in reads)
        {
            if (read.EventIndex < 0 || read.EventIndex >= triggers.Count)
            {
                continue;
            }
            var id = (read.EventIndex, read.Source, read.Key, read.Until);
            widest[id] = widest.TryGetValue(id, out var since) ? Widest(since, read.Since) : read.Since;
        }
        var puts = new List<Put>(widest.Count + 1);
        // A bucket row per (source, bucket) not listed yet by this process, in the same write: a lookup that could find
        // a read finds its bucket. Stamped with the end of this hour (so written once an hour at most) it expires after
        // every read it lists.
        var hourEnd = (Math.DivRem(nowMs, 3_600_000, out _) + 1) * 3_600_000;
        var newBuckets = new List<(string, long)>();
        foreach (var ((_, source, _, until), _) in widest)
        {
            var bucket = (source, ReadIndexKeys.Bucket(until));
            if ((!bucketsWritten.TryGetValue(bucket, out var stamp) || stamp < hourEnd) && !newBuckets.Contains(bucket))
            {
                newBuckets.Add(bucket);
                puts.Add(new Put(ReadIndexKeys.BucketRow(bucket.source, bucket.Item2), [new Cell(Family, Column, hourEnd, Empty)]));
            }
        }
        foreach (var ((index, source, key, until), since) in widest)
        {
            var trigger = triggers[index];
            puts.Add(new Put(ReadIndexKeys.Read(source, key, until, job, trigger.Source, trigger.EventId), [new Cell(Family, Column, now, ReadCell.Encode(since, trigger.Position))]));
        }
        return new ReadRows(puts, newBuckets, hourEnd);
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
        var buckets = await BucketsAsync(source, eventTime, cancellationToken);
        await foreach (var reader in FindReadersAsync(source, key, eventTime, buckets, cancellationToken))
        {
            yield return reader;
        }
    }

    /// <summary>
    /// The buckets of <paramref name="source"/> holding reads as of <paramref name="from"/> or later, for
    /// <see cref="FindReadersAsync(string, string, long, IReadOnlyList{long}, CancellationToken)"/> of events at
    /// <paramref name="from"/> or later: listed once for a batch of events, after its in-flight computations recorded their reads.
    /// </summary>
    public async ValueTask<IReadOnlyList<long>> BucketsAsync(string source, long from, CancellationToken cancellationToken = default)
    {
        var prefix = ReadIndexKeys.BucketsPrefix(source);
        var length = prefix.Count;
        var start = new byte[length + 8];
        prefix.CopyTo(start);
        ReadIndexKeys.WriteTime(start.AsSpan(length), ReadIndexKeys.Bucket(from));
        var buckets = new List<long>();
        await foreach (var row in store.ScanAsync(Table, new Scan { StartRow = start, Prefix = [.. prefix], PageSize = 512 }, cancellationToken))
        {
            buckets.Add(ReadIndexKeys.BucketOf(row.Row, length));
        }
        return buckets;
    }

    /// <summary>The readers of <paramref name="key"/> at <paramref name="eventTime"/> in <paramref name="buckets"/> (from <see cref="BucketsAsync"/>).</summary>
    public IAsyncEnumerable<RecordedReader> FindReadersAsync(string source, string key, long eventTime, IReadOnlyList<long> buckets,
        CancellationToken cancellationToken = default) => FindReadersAsync(source, key, eventTime, eventTime, buckets, cancellationToken);

    /// <summary>
    /// The reads of <paramref name="key"/> as of <paramref name="from"/> or later whose earliest time is at most
    /// <paramref name="sinceAtMost"/>, in <paramref name="buckets"/>: one lookup for several events of one entity (from
    /// their earliest time, up to their latest), each then keeping the reads that cover its own time.
    /// </summary>
    public async IAsyncEnumerable<RecordedReader> FindReadersAsync(string source, string key, long from, long sinceAtMost, IReadOnlyList<long> buckets,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var eventTime = from;
        var first = ReadIndexKeys.Bucket(eventTime);
        foreach (var bucket in buckets)
        {
            if (bucket < first)
            {
                continue;
            }
            var prefix = ReadIndexKeys.ReadsPrefix(source, key, bucket);
            var start = new byte[prefix.Length + 8];
            prefix.CopyTo(start, 0);
            ReadIndexKeys.WriteTime(start.AsSpan(prefix.Length), bucket == first ? eventTime : ReadIndexKeys.BucketStart(bucket));
            await foreach (var row in store.ScanAsync(Table, new Scan { StartRow = start, Prefix = prefix, PageSize = 512 }, cancellationToken))
            {
                var (since, position) = ReadCell.Decode(row.Cells[0].Value);
                if (since > sinceAtMost)
                {
                    continue;
                }
                var (until, job, triggerSource, triggerId) = ReadIndexKeys.ParseRead(row.Row, prefix.Length);
                yield return new RecordedReader(job, triggerSource, triggerId, row.Cells[0].Timestamp, since, until, position);
            }
        }
        if (await LegacyLeftAsync(cancellationToken))
        {
            await foreach (var reader in FindLegacyReadersAsync(source, key, eventTime, sinceAtMost, cancellationToken))
            {
                yield return reader;
            }
        }
    }

    /// <summary>Whether rows of the layout before may be left (checked at most every <see cref="LegacyRecheck"/>, for processes of the version before still writing it).</summary>
    private async ValueTask<bool> LegacyLeftAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - Volatile.Read(ref legacyCheckedAt) < (long)LegacyRecheck.TotalMilliseconds)
        {
            return Volatile.Read(ref legacyLeft);
        }
        await legacyCheck.WaitAsync(cancellationToken);
        try
        {
            if (now - legacyCheckedAt >= (long)LegacyRecheck.TotalMilliseconds)
            {
                var left = false;
                await foreach (var _ in store.ScanAsync(Table, new Scan { StartRow = ReadIndexKeys.LegacyStart, Limit = 1, PageSize = 1 }, cancellationToken))
                {
                    left = true;
                }
                Volatile.Write(ref legacyLeft, left);
                Volatile.Write(ref legacyCheckedAt, now);
            }
            return legacyLeft;
        }
        finally
        {
            legacyCheck.Release();
        }
    }

    /// <summary>Readers recorded in the layout before: <c>source␀key␀until␀job␀trigger source␀trigger id</c>.</summary>
    private async IAsyncEnumerable<RecordedReader> FindLegacyReadersAsync(string source, string key, long eventTime, long sinceAtMost,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = ReadIndexKeys.LegacyPrefix(source, key);
        var start = new byte[prefix.Length + 8];
        prefix.CopyTo(start, 0);
        ReadIndexKeys.WriteTime(start.AsSpan(prefix.Length), eventTime);
        await foreach (var row in store.ScanAsync(Table, new Scan { StartRow = start, Prefix = prefix, PageSize = 512 }, cancellationToken))
        {
            var since = BinaryPrimitives.ReadInt64BigEndian(row.Cells[0].Value);
            if (since > sinceAtMost)
            {
                continue;
            }
            var until = ReadIndexKeys.ReadTime(row.Row.AsSpan(prefix.Length));
            ReadOnlySpan<byte> rest = row.Row.AsSpan(prefix.Length + 8 + 1);
            var job = TakeLegacy(ref rest);
            var triggerSource = TakeLegacy(ref rest);
            yield return new RecordedReader(job, triggerSource, Encoding.UTF8.GetString(rest), row.Cells[0].Timestamp, since, until);
        }
    }

    private static string TakeLegacy(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf((byte)0);
        var value = Encoding.UTF8.GetString(rest[..end]);
        rest = rest[(end + 1)..];
        return value;
    }
}

/// <summary>A batch's read-index rows, and the buckets they list that this process had not (see <see cref="ReadIndex.WriteAsync(ReadRows, CancellationToken)"/>).</summary>
internal sealed record ReadRows(List<Put> Puts, IReadOnlyList<(string Source, long Bucket)> NewBuckets, long BucketStamp);

/// <summary>A computation found in the read index: the job and the trigger event it computed.</summary>
/// <param name="Job">The job.</param>
/// <param name="TriggerSource">The trigger event's source.</param>
/// <param name="TriggerEventId">The trigger event's id.</param>
/// <param name="ComputedFrom">When the computation's batch started (ms): its reads happened at or after this.</param>
/// <param name="Since">The earliest event time the read depends on: <see cref="long.MinValue"/> for a fetch (the latest change up to <paramref name="Until"/>).</param>
/// <param name="Until">The read's as-of time (ms).</param>
/// <param name="TriggerPosition">
/// Where ingestion stored the trigger event from (null in rows written before positions were recorded): a computation
/// only ever starts once its trigger's stored position is passed, so it saw every event stored from earlier in that
/// partition.
/// </param>
public readonly record struct RecordedReader(string Job, string TriggerSource, string TriggerEventId, long ComputedFrom, long Since, long Until,
    SourcePosition? TriggerPosition = null)
{
    /// <summary>A fetch as of <see cref="Until"/>: it depends only on the entity's latest change up to then.</summary>
    public bool IsFetch => Since == long.MinValue;
}
