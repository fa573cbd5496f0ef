using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage.Tiering;

/// <summary>
/// Event tables over a hot and a cold <see cref="IWideTableStore"/> (either backend for either tier).
/// </summary>
/// <remarks>
/// <para>Writes: every event goes to cold (which keeps everything and decides idempotence: duplicates and
/// conflicts are judged there), then to hot. Events inside the hot window go to hot family "e" with cell
/// timestamp = event time, whose TTL (window + grace) is the hot retention: the store expires them by event
/// time, no sweep needed (HBase drops them at compaction; readers never see them). Late events, already older
/// than the window, go to hot family "r" stamped with the current time.</para>
/// <para>Reads: a read that stays at or after <see cref="HotFloor"/> (the window start less half the TTL grace)
/// is served by hot. For the part before it, re-heat markers (<see cref="ReheatCoverage"/>, absolute event-time
/// ranges per entity or source) say which ranges hot holds completely: those are read from hot, and only the gaps
/// are read from cold, copied ("re-heated") into hot family "r" (TTL <see cref="TieringOptions.ReheatRetention"/>,
/// cell timestamp = re-heat time, so the event-time TTL does not expire them at once) and then marked. So repeated
/// and overlapping reads copy each row once per retention period; marker and rows expire together (the marker is
/// stamped a margin earlier). Since late events also reach family "r", a marker never misses an event written
/// after it.</para>
/// <para>As-of fast path: one reverse scan (limit 1) of hot; if the event found is inside the window it is
/// the answer, because hot holds every event of the window.</para>
/// <para>If hot and cold are the same backend, give them different <see cref="EventTableOptions.TablePrefix"/>es.</para>
/// </remarks>
public sealed class TieredEventStore : IEventStore, IHotGuardedWriter
{
    private readonly EventTables _hot;
    private readonly EventTables _cold;
    private readonly ReheatCoverage _coverage;
    private readonly TieringOptions _options;

    /// <summary>Creates the tiered store.</summary>
    /// <param name="hot">Store of the hot tier.</param>
    /// <param name="cold">Store of the cold tier.</param>
    /// <param name="hotTables">Table names/salting in the hot store. Default: <see cref="EventTableOptions"/> defaults.</param>
    /// <param name="coldTables">Table names/salting in the cold store. Default: same as <paramref name="hotTables"/>.</param>
    /// <param name="options">Window and retention. Default: <see cref="TieringOptions"/> defaults.</param>
    public TieredEventStore(IWideTableStore hot, IWideTableStore cold, EventTableOptions? hotTables = null, EventTableOptions? coldTables = null, TieringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hot);
        ArgumentNullException.ThrowIfNull(cold);
        _options = options ?? new TieringOptions();
        hotTables ??= new EventTableOptions();
        _hot = new EventTables(hot, hotTables,
        [
            new FamilySpec("e", 1, _options.HotWindow + _options.TtlGrace),
            new FamilySpec("r", 1, _options.ReheatRetention),
        ]);
        _cold = new EventTables(cold, coldTables ?? hotTables, [new FamilySpec("e")]);
        _coverage = new ReheatCoverage(hot, hotTables.Coverage, _options.ReheatRetention, _options.Clock);
    }

    /// <summary>Reads from the hot (<paramref name="hot"/>) or cold store; throws its error when it does not answer (health probes).</summary>
    public ValueTask ProbeAsync(bool hot, CancellationToken cancellationToken = default) =>
        (hot ? _hot : _cold).ProbeAsync(cancellationToken);

    /// <summary>How reads were served so far.</summary>
    public TieringCounters Counters { get; } = new();

    /// <summary>The current hot window start (ms): events at or after it are always hot.</summary>
    public long WindowStart => Now - (long)_options.HotWindow.TotalMilliseconds;

    /// <summary>
    /// Events at or after this (ms) are in hot without any marker: the window, plus half of
    /// <see cref="TieringOptions.TtlGrace"/> that family "e" keeps them beyond it (late events' copies in family "r"
    /// live <see cref="TieringOptions.ReheatRetention"/>, which must be at least the grace for this to hold; if it is
    /// not, the floor is the window start). So a read just past a window start that moved since the last read does
    /// not copy the rows at the edge again.
    /// </summary>
    public long HotFloor => WindowStart - (_options.ReheatRetention >= _options.TtlGrace ? (long)_options.TtlGrace.TotalMilliseconds / 2 : 0);

    private long Now => _options.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public async ValueTask EnsureTablesAsync(CancellationToken cancellationToken = default)
    {
        await _hot.EnsureAsync(cancellationToken);
        await _cold.EnsureAsync(cancellationToken);
        await _coverage.EnsureAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var results = await _cold.WriteAsync(events, cancellationToken);
        var seen = new HashSet<(string, string)>();
        var stored = new List<ChangeEvent>(results.Length);
        foreach (var (outcome, e) in results)
        {
            // Duplicates are re-put too: that repairs a hot copy lost by a crash between the cold and hot writes.
            if (outcome != WriteOutcome.Conflict && seen.Add((e.Source, e.EventId)))
            {
                stored.Add(e);
            }
        }
        await PutHotAsync(stored, cancellationToken);
        return results;
    }

    /// <inheritdoc />
    public async ValueTask<(WriteResult Result, bool GuardApplied)> WriteWithHotGuardAsync(ChangeEvent e, HotGuard guard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(guard);
        var result = (await _cold.WriteAsync([e], cancellationToken))[0];
        if (result.Outcome != WriteOutcome.Written || !ReferenceEquals(guard.Store, _hot.Store))
        {
            // Not newly stored (the event may be someone else's) or a guard for another store: hot as WriteAsync does it.
            if (result.Outcome != WriteOutcome.Conflict)
            {
                await PutHotAsync([result.Stored], cancellationToken);
            }
            return (result, false);
        }
        var rows = HotRows([result.Stored]);
        if (_hot.Store is IMultiTableWrites atomic)
        {
            var held = await atomic.PutWithGuardsAsync(rows, [guard.Write], cancellationToken);
            return (result, held[0] is null);
        }
        foreach (var table in rows)
        {
            await _hot.Store.PutAsync(table.Table, table.Puts, cancellationToken);
        }
        var (guardTable, check, puts) = guard.Write;
        var cell = check.Cells[0];
        if (!await _hot.Store.CheckAndPutAsync(guardTable, check.Row, cell.Family, cell.Qualifier, null, check, cancellationToken))
        {
            return (result, false);
        }
        foreach (var guarded in puts)
        {
            await _hot.Store.PutAsync(guarded.Table, guarded.Puts, cancellationToken);
        }
        return (result, true);
    }

    /// <inheritdoc />
    public async ValueTask<ChangeEvent?> GetLatestEventAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken = default)
    {
        var floor = HotFloor;
        var hot = await _hot.LatestAsync(source, entityKey, asOf, cancellationToken);
        if (hot is not null && hot.EventTime >= floor)
        {
            Counters.Hot();
            return hot;
        }
        var end = Math.Min(SaturatingIncrement(asOf), floor);
        var gaps = await _coverage.GapsAsync(source, entityKey, hot?.EventTime ?? long.MinValue, floor, cancellationToken);
        if (!gaps.Any(g => g.From < end))
        {
            Counters.Hot();
            return hot;
        }
        Counters.Cold();
        var cold = await _cold.LatestAsync(source, entityKey, asOf, cancellationToken);
        var start = cold?.EventTime ?? long.MinValue;
        if (start < floor)
        {
            // Re-heat the answer and the entity's later events up to the floor (bounded), so hot then holds every
            // event from the answer on and any as-of read at or after this answer's time is hot next time. Only the
            // parts no marker covers are copied.
            var budget = _options.MaxReheatRowsPerEntity;
            foreach (var (from, to) in gaps.Where(g => g.To > start).Select(g => (Math.Max(g.From, start), g.To)))
            {
                var rows = new List<ChangeEvent>();
                var markerEnd = to;
                await foreach (var e in _cold.HistoryAsync(source, entityKey, from, to, cancellationToken))
                {
                    if (rows.Count == budget)
                    {
                        markerEnd = e.EventTime;
                        break;
                    }
                    rows.Add(e);
                }
                await ReheatAsync(rows, source, entityKey, from, markerEnd, cancellationToken);
                budget -= rows.Count;
                if (markerEnd < to || budget == 0)
                {
                    break;
                }
            }
        }
        return cold;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Above the hot floor both are hot reads: one scan of hot answers them when the latest event is in the window too
    /// (counted as the two hot reads it replaces); otherwise, or when the scan cannot tell, the two tiered reads.
    /// </remarks>
    public async ValueTask<(ChangeEvent? Latest, long? Next)> GetLatestAndNextAsync(string source, string entityKey, long asOf, long before,
        CancellationToken cancellationToken = default)
    {
        var floor = HotFloor;
        if (asOf >= floor)
        {
            var (complete, latest, next) = await _hot.LatestAndNextAsync(source, entityKey, asOf, before, cancellationToken);
            if (complete && latest is not null && latest.EventTime >= floor)
            {
                Counters.Hot();
                Counters.Hot();
                return (latest, next);
            }
        }
        return await this.ReadLatestAndNextAsync(source, entityKey, asOf, before, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChangeEvent> GetHistoryAsync(string source, string entityKey, long from, long to, CancellationToken cancellationToken = default) =>
        ReadTieredAsync(source, entityKey, from, to, (f, t, ct) => _hot.HistoryAsync(source, entityKey, f, t, ct), (f, t, ct) => _cold.HistoryAsync(source, entityKey, f, t, ct), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ChangeEvent> ReplayAsync(string source, long from, long to, CancellationToken cancellationToken = default) =>
        ReadTieredAsync(source, null, from, to, (f, t, ct) => _hot.ReplayAsync(source, f, t, ct), (f, t, ct) => _cold.ReplayAsync(source, f, t, ct), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ChangeEvent?> GetByIdAsync(string source, string eventId, CancellationToken cancellationToken = default)
    {
        var hot = await _hot.GetByIdAsync(source, eventId, cancellationToken);
        if (hot is not null)
        {
            Counters.Hot();
            return hot;
        }
        Counters.Cold();
        var cold = await _cold.GetByIdAsync(source, eventId, cancellationToken);
        if (cold is not null)
        {
            await PutHotAsync([cold], cancellationToken);
            Counters.Reheated(1);
        }
        return cold;
    }

    /// <inheritdoc />
    /// <remarks>Hot first in one multi-get; the ids hot does not hold are read from cold and re-heated, as <see cref="GetByIdAsync"/> does.</remarks>
    public async ValueTask<IReadOnlyList<ChangeEvent?>> GetByIdsAsync(string source, IReadOnlyList<string> eventIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        var found = await _hot.GetByIdsAsync(source, eventIds, cancellationToken);
        var missing = Enumerable.Range(0, found.Length).Where(i => found[i] is null).ToList();
        for (var i = missing.Count; i < found.Length; i++)
        {
            Counters.Hot();
        }
        if (missing.Count == 0)
        {
            return found;
        }
        var cold = await _cold.GetByIdsAsync(source, [.. missing.Select(i => eventIds[i])], cancellationToken);
        var reheat = new List<ChangeEvent>();
        for (var k = 0; k < missing.Count; k++)
        {
            Counters.Cold();
            if (cold[k] is { } e)
            {
                found[missing[k]] = e;
                reheat.Add(e);
            }
        }
        if (reheat.Count > 0)
        {
            await PutHotAsync(reheat, cancellationToken);
            Counters.Reheated(reheat.Count);
        }
        return found;
    }

    /// <summary>
    /// A time-ordered read of [from, to): the parts re-heat markers cover and the part at or after
    /// <see cref="HotFloor"/> come from hot, each uncovered gap before it from cold, re-heated page by page with a
    /// marker once the gap was read. Segments are disjoint event-time ranges, so the result keeps the read's order.
    /// </summary>
    private async IAsyncEnumerable<ChangeEvent> ReadTieredAsync(
        string source,
        string? entityKey,
        long from,
        long to,
        Func<long, long, CancellationToken, IAsyncEnumerable<ChangeEvent>> hot,
        Func<long, long, CancellationToken, IAsyncEnumerable<ChangeEvent>> cold,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var coldEnd = Math.Min(to, HotFloor);
        var gaps = await _coverage.GapsAsync(source, entityKey, from, coldEnd, cancellationToken);
        if (gaps.Count == 0)
        {
            Counters.Hot();
        }
        else
        {
            Counters.Cold();
        }
        var cursor = from;
        foreach (var (gapFrom, gapTo) in gaps)
        {
            if (cursor < gapFrom)
            {
                await foreach (var e in hot(cursor, gapFrom, cancellationToken))
                {
                    yield return e;
                }
            }
            await foreach (var e in ReadColdAndReheatAsync(cold(gapFrom, gapTo, cancellationToken), source, entityKey, gapFrom, gapTo, cancellationToken))
            {
                yield return e;
            }
            cursor = gapTo;
        }
        if (cursor < to)
        {
            await foreach (var e in hot(cursor, to, cancellationToken))
            {
                yield return e;
            }
        }
    }

    /// <summary>Streams a cold read, re-heating page by page, and records the marker once the read completed.</summary>
    private async IAsyncEnumerable<ChangeEvent> ReadColdAndReheatAsync(IAsyncEnumerable<ChangeEvent> cold, string source, string? entityKey, long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = new List<ChangeEvent>();
        var stamp = Now;
        await foreach (var e in cold.WithCancellation(cancellationToken))
        {
            page.Add(e);
            if (page.Count == 256)
            {
                await PutReheatedAsync(page, stamp, cancellationToken);
                foreach (var p in page)
                {
                    yield return p;
                }
                page.Clear();
            }
        }
        await PutReheatedAsync(page, stamp, cancellationToken);
        foreach (var p in page)
        {
            yield return p;
        }
        if (from < to)
        {
            await _coverage.AddAsync(source, entityKey, from, to, MarkerStamp(stamp), cancellationToken);
        }
    }

    private async ValueTask ReheatAsync(List<ChangeEvent> rows, string source, string entityKey, long from, long to, CancellationToken cancellationToken)
    {
        var stamp = Now;
        await PutReheatedAsync(rows, stamp, cancellationToken);
        if (from < to)
        {
            await _coverage.AddAsync(source, entityKey, from, to, MarkerStamp(stamp), cancellationToken);
        }
    }

    private async ValueTask PutReheatedAsync(List<ChangeEvent> rows, long stamp, CancellationToken cancellationToken)
    {
        await _hot.PutRowsAsync(rows, EventTables.ReheatFamily, _ => stamp, cancellationToken);
        Counters.Reheated(rows.Count);
    }

    /// <summary>Events inside the window: family "e" at event time; older ones: family "r" at the current time.</summary>
    /// <summary>The hot rows of <paramref name="events"/> as <see cref="PutHotAsync"/> writes them (window: family "e" at event time; late: "r" now).</summary>
    private List<TablePuts> HotRows(IReadOnlyList<ChangeEvent> events)
    {
        var windowStart = WindowStart;
        var inWindow = events.Where(e => e.EventTime >= windowStart).ToList();
        var late = events.Where(e => e.EventTime < windowStart).ToList();
        var rows = new List<TablePuts>(6);
        if (inWindow.Count > 0)
        {
            rows.AddRange(_hot.RowPuts(inWindow, EventTables.EventFamily, static e => e.EventTime));
        }
        if (late.Count > 0)
        {
            var stamp = Now;
            rows.AddRange(_hot.RowPuts(late, EventTables.ReheatFamily, _ => stamp));
        }
        return rows;
    }

    private async ValueTask PutHotAsync(List<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var windowStart = WindowStart;
        var inWindow = events.Where(e => e.EventTime >= windowStart).ToList();
        var late = events.Where(e => e.EventTime < windowStart).ToList();
        await _hot.PutRowsAsync(inWindow, EventTables.EventFamily, static e => e.EventTime, cancellationToken);
        if (late.Count > 0)
        {
            var stamp = Now;
            await _hot.PutRowsAsync(late, EventTables.ReheatFamily, _ => stamp, cancellationToken);
        }
    }

    private long MarkerStamp(long stamp) => stamp - (long)_options.ReheatMarkerMargin.TotalMilliseconds;

    private static long SaturatingIncrement(long value) => value == long.MaxValue ? value : value + 1;
}
