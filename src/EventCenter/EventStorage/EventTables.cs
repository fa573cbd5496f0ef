using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// The main event table, time index and id index in one <see cref="IWideTableStore"/>: the logic shared by
/// the single-store <see cref="EventStore"/> and both tiers of <see cref="Tiering.TieredEventStore"/>.
/// Cells: family "e" (cell timestamp = event time, so a family TTL expires by event time) and, in a hot
/// store, family "r" for re-heated rows (cell timestamp = re-heat time); qualifier "v".
/// </summary>
internal sealed class EventTables
{
    internal static readonly byte[] EventFamily = "e"u8.ToArray();
    internal static readonly byte[] ReheatFamily = "r"u8.ToArray();
    internal static readonly byte[] ValueQualifier = "v"u8.ToArray();
    private static readonly byte[] Marker = [1];

    private readonly IWideTableStore _store;
    private readonly EventTableOptions _options;
    private readonly IReadOnlyList<FamilySpec> _families;
    private readonly ConcurrentDictionary<string, CombinedTally> _combined = new(StringComparer.Ordinal);

    /// <param name="store">The backend.</param>
    /// <param name="options">Names and salting.</param>
    /// <param name="families">Families of all three tables (e.g. "e" only, or "e" and "r" with TTLs).</param>
    public EventTables(IWideTableStore store, EventTableOptions options, IReadOnlyList<FamilySpec> families)
    {
        _store = store;
        _options = options;
        _families = families;
        Keys = new EventKeys(options.SaltBuckets);
    }

    /// <summary>Reads one absent row of the id index: succeeds when the store answers (health probes).</summary>
    public async ValueTask ProbeAsync(CancellationToken cancellationToken) =>
        _ = await _store.GetAsync(_options.IdIndex, new Get("\u0001health"u8.ToArray()), cancellationToken);

    public EventKeys Keys { get; }

    public IWideTableStore Store => _store;

    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        foreach (var name in new[] { _options.Main, _options.TimeIndex, _options.IdIndex })
        {
            await _store.EnsureTableAsync(new TableSpec(name, _families), cancellationToken);
        }
    }

    /// <summary>Idempotent write into family "e" at cell timestamp = event time (see <see cref="IEventWriter"/>).</summary>
    /// <returns>Per event: its outcome and the stored event holding its identity (see <see cref="WriteResult"/>).</returns>
    public async ValueTask<WriteResult[]> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var n = events.Count;
        var results = new WriteResult[n];
        if (n == 0)
        {
            return results;
        }
        // The first event of each identity in the batch; later ones are judged against whoever holds the identity.
        var firstIndex = new int[n];
        var firstByIdentity = new Dictionary<(string, string), int>(n);
        var firsts = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            var e = events[i];
            Validate(e);
            if (firstByIdentity.TryGetValue((e.Source, e.EventId), out var j))
            {
                firstIndex[i] = j;
                continue;
            }
            firstByIdentity[(e.Source, e.EventId)] = i;
            firstIndex[i] = i;
            firsts.Add(i);
        }

        // Which identities are held already: checked and written in one transaction where the store can (no read
        // round trip, and concurrent writers of one identity cannot both write it), else read first.
        var atomic = _store as IMultiTableWrites;
        var held = atomic is null ? await HeldIdsAsync(events, firsts, cancellationToken) : await WriteIfAbsentAsync(atomic, events, firsts, cancellationToken);
        var storedAt = new List<(int Index, byte[] MainKey)>();
        var holders = new ChangeEvent?[n];
        var toWrite = new List<ChangeEvent>(firsts.Count);
        for (var k = 0; k < firsts.Count; k++)
        {
            var i = firsts[k];
            if (held[k] is { } mainKey)
            {
                storedAt.Add((i, mainKey));
            }
            else
            {
                holders[i] = events[i];
                results[i] = new WriteResult(WriteOutcome.Written, events[i]);
                if (atomic is null)
                {
                    toWrite.Add(events[i]);
                }
            }
        }
        if (storedAt.Count > 0)
        {
            // The first writer's copy decides (same change: duplicate; different change: conflict) and is the one
            // callers copy elsewhere (the hot tier).
            var mainRows = await _store.GetManyAsync(_options.Main, [.. storedAt.Select(s => new Get(s.MainKey))], cancellationToken);
            for (var k = 0; k < storedAt.Count; k++)
            {
                var i = storedAt[k].Index;
                if (mainRows[k] is { } row)
                {
                    var stored = Decode(row);
                    holders[i] = stored;
                    results[i] = new WriteResult(ChangeIdentity.SameChange(stored, events[i]) ? WriteOutcome.Duplicate : WriteOutcome.Conflict, stored);
                }
                else
                {
                    // Only possible when the id row outlived the main row (TTL races): store the event again.
                    holders[i] = events[i];
                    results[i] = new WriteResult(WriteOutcome.Written, events[i]);
                    toWrite.Add(events[i]);
                }
            }
        }
        for (var i = 0; i < n; i++)
        {
            var j = firstIndex[i];
            if (j != i)
            {
                var holder = holders[j]!;
                results[i] = new WriteResult(ChangeIdentity.SameChange(holder, events[i]) ? WriteOutcome.Duplicate : WriteOutcome.Conflict, holder);
            }
        }

        await PutRowsAsync(toWrite, EventFamily, static e => e.EventTime, cancellationToken);
        return results;
    }

    /// <summary>Per identity in <paramref name="firsts"/>: the main key its id row points to, or null when none is stored.</summary>
    private async ValueTask<byte[]?[]> HeldIdsAsync(IReadOnlyList<ChangeEvent> events, List<int> firsts, CancellationToken cancellationToken)
    {
        var idRows = await _store.GetManyAsync(_options.IdIndex, [.. firsts.Select(i => new Get(Keys.IdKey(events[i].Source, events[i].EventId)))], cancellationToken);
        return [.. idRows.Select(row => row is null ? null : FirstValue(row))];
    }

    /// <summary>
    /// Writes the events of <paramref name="firsts"/> whose identity is free (main, time-index and id rows, one
    /// transaction); per identity, the main key of the event already holding it, or null when written now.
    /// </summary>
    private async ValueTask<byte[]?[]> WriteIfAbsentAsync(IMultiTableWrites atomic, IReadOnlyList<ChangeEvent> events, List<int> firsts, CancellationToken cancellationToken)
    {
        var writes = new GuardedWrite[firsts.Count];
        for (var k = 0; k < firsts.Count; k++)
        {
            var (main, time, id) = Rows(events[firsts[k]], EventFamily, events[firsts[k]].EventTime);
            writes[k] = new GuardedWrite(_options.IdIndex, id, [new TablePuts(_options.Main, [main]), new TablePuts(_options.TimeIndex, [time])]);
        }
        return [.. await atomic.PutIfAbsentAsync(writes, cancellationToken)];
    }

    /// <summary>The main, time-index and id rows of an event in <paramref name="family"/> at cell timestamp <paramref name="ts"/>.</summary>
    private (Put Main, Put Time, Put Id) Rows(ChangeEvent e, byte[] family, long ts)
    {
        var mainKey = Keys.MainKey(e);
        return (new Put(mainKey, [new Cell(family, ValueQualifier, ts, EventCodec.Encode(e))]),
            new Put(Keys.TimeKey(e), [new Cell(family, ValueQualifier, ts, Marker)]),
            new Put(Keys.IdKey(e.Source, e.EventId), [new Cell(family, ValueQualifier, ts, mainKey)]));
    }

    /// <summary>Unconditionally puts main, time-index and then id rows of the events in <paramref name="family"/>.</summary>
    public async ValueTask PutRowsAsync(IReadOnlyList<ChangeEvent> events, byte[] family, Func<ChangeEvent, long> stamp, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        var rows = RowPuts(events, family, stamp);
        if (_store is IMultiTableWrites atomic)
        {
            // One transaction: the rows of an event appear together.
            await atomic.PutAsync(rows, cancellationToken);
            return;
        }
        foreach (var table in rows)
        {
            await _store.PutAsync(table.Table, table.Puts, cancellationToken);
        }
    }

    /// <summary>The main, time-index and id rows of the events in <paramref name="family"/>, per table in that order (id rows last).</summary>
    public TablePuts[] RowPuts(IReadOnlyList<ChangeEvent> events, byte[] family, Func<ChangeEvent, long> stamp)
    {
        var main = new Put[events.Count];
        var time = new Put[events.Count];
        var ids = new Put[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            (main[i], time[i], ids[i]) = Rows(events[i], family, stamp(events[i]));
        }
        return [new TablePuts(_options.Main, main), new TablePuts(_options.TimeIndex, time), new TablePuts(_options.IdIndex, ids)];
    }

    /// <summary>One reverse prefix scan with limit 1: the entity's last event at or before <paramref name="asOf"/>.</summary>
    public async ValueTask<ChangeEvent?> LatestAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken)
    {
        var prefix = Keys.EntityPrefix(source, entityKey);
        var scan = new Scan
        {
            StartRow = asOf == long.MaxValue ? RowKeys.PrefixEnd(prefix) : EventKeys.AppendTime(prefix, asOf + 1),
            Prefix = prefix,
            Reversed = true,
            Limit = 1,
            PageSize = 1,
        };
        await foreach (var row in _store.ScanAsync(_options.Main, scan, cancellationToken))
        {
            return Decode(row);
        }
        return null;
    }

    /// <summary>
    /// The entity's last event at or before <paramref name="asOf"/> and the time of its first event after it, below
    /// <paramref name="before"/>, from one reverse scan of the entity's last two events below <paramref name="before"/>;
    /// <c>Complete</c> is false when both of them are after <paramref name="asOf"/> (the scan cannot tell the answer then:
    /// the caller reads the two apart), and without a scan when that was mostly so for the source lately.
    /// </summary>
    public async ValueTask<(bool Complete, ChangeEvent? Latest, long? Next)> LatestAndNextAsync(string source, string entityKey, long asOf, long before,
        CancellationToken cancellationToken)
    {
        var prefix = Keys.EntityPrefix(source, entityKey);
        var scan = new Scan
        {
            StartRow = before == long.MaxValue ? RowKeys.PrefixEnd(prefix) : EventKeys.AppendTime(prefix, before),
            Prefix = prefix,
            Reversed = true,
            Limit = 2,
            PageSize = 2,
        };
        var tally = _combined.GetOrAdd(source, _ => new CombinedTally());
        if (!tally.Worth())
        {
            return (false, null, null);
        }
        ChangeEvent? later = null;
        await foreach (var row in _store.ScanAsync(_options.Main, scan, cancellationToken))
        {
            var e = Decode(row);
            if (e.EventTime <= asOf)
            {
                tally.Note(complete: true);
                return (true, e, later?.EventTime);
            }
            if (later is not null)
            {
                tally.Note(complete: false);
                return (false, null, null);
            }
            later = e;
        }
        tally.Note(complete: true);
        return (true, null, later?.EventTime);
    }

    public async IAsyncEnumerable<ChangeEvent> HistoryAsync(string source, string entityKey, long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (from >= to)
        {
            yield break;
        }
        var scan = new Scan
        {
            StartRow = Keys.EntityAtTime(source, entityKey, from),
            StopRow = Keys.EntityAtTime(source, entityKey, to),
            Prefix = Keys.EntityPrefix(source, entityKey),
            PageSize = _options.ScanPageSize,
        };
        await foreach (var row in _store.ScanAsync(_options.Main, scan, cancellationToken))
        {
            yield return Decode(row);
        }
    }

    /// <summary>All events of a source in [from, to): one time-index scan per salt, merged, main rows fetched per page.</summary>
    public IAsyncEnumerable<ChangeEvent> ReplayAsync(string source, long from, long to, CancellationToken cancellationToken) =>
        ReplayMerge.RunAsync(this, _options, source, from, to, cancellationToken);

    public async ValueTask<ChangeEvent?> GetByIdAsync(string source, string eventId, CancellationToken cancellationToken)
    {
        var id = await _store.GetAsync(_options.IdIndex, new Get(Keys.IdKey(source, eventId)), cancellationToken);
        if (id is null)
        {
            return null;
        }
        var main = await _store.GetAsync(_options.Main, new Get(FirstValue(id)), cancellationToken);
        return main is null ? null : Decode(main);
    }

    /// <summary>The events with these ids (one multi-get on the id index, one on the main table); null where none is stored.</summary>
    public async ValueTask<ChangeEvent?[]> GetByIdsAsync(string source, IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new ChangeEvent?[eventIds.Count];
        if (eventIds.Count == 0)
        {
            return found;
        }
        var ids = await _store.GetManyAsync(_options.IdIndex, [.. eventIds.Select(id => new Get(Keys.IdKey(source, id)))], cancellationToken);
        var at = new List<(int Index, byte[] MainKey)>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is { } id)
            {
                at.Add((i, FirstValue(id)));
            }
        }
        if (at.Count == 0)
        {
            return found;
        }
        var rows = await _store.GetManyAsync(_options.Main, [.. at.Select(a => new Get(a.MainKey))], cancellationToken);
        for (var k = 0; k < at.Count; k++)
        {
            if (rows[k] is { } row)
            {
                found[at[k].Index] = Decode(row);
            }
        }
        return found;
    }

    /// <summary>Main rows for these keys, in order; missing rows are skipped.</summary>
    public async ValueTask<List<ChangeEvent>> GetMainRowsAsync(IReadOnlyList<byte[]> mainKeys, CancellationToken cancellationToken)
    {
        var rows = await _store.GetManyAsync(_options.Main, [.. mainKeys.Select(k => new Get(k))], cancellationToken);
        var events = new List<ChangeEvent>(rows.Count);
        foreach (var row in rows)
        {
            if (row is not null)
            {
                events.Add(Decode(row));
            }
        }
        return events;
    }

    internal static ChangeEvent Decode(RowResult row) => EventCodec.Decode(FirstValue(row));

    private static byte[] FirstValue(RowResult row)
    {
        foreach (var cell in row.Cells)
        {
            if (cell.Qualifier.AsSpan().SequenceEqual(ValueQualifier))
            {
                return cell.Value;
            }
        }
        throw new InvalidDataException($"Row {Convert.ToHexString(row.Row)} has no 'v' cell.");
    }

    private static void Validate(ChangeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.EventTime < 0)
        {
            throw new ArgumentException($"Event {e.Source}/{e.EventId}: event time {e.EventTime} is before 1970 (cell timestamps must be ≥ 0).", nameof(e));
        }
        if (string.IsNullOrEmpty(e.EventId))
        {
            throw new ArgumentException($"Event of {e.Source}/{e.EntityKey} at {e.Position} has no event id; use EventIds.FromPosition.", nameof(e));
        }
    }
}

/// <summary>
/// Whether one scan for the latest and the next event (<see cref="EventTables.LatestAndNextAsync"/>) pays for a source:
/// it saves a read for entities that rarely change after the as-of time (profiles, settings) and costs one for those that
/// change often (the scan is wasted). Tried while it mostly answers; once it mostly does not, tried again every 32nd time.
/// Races between threads only blur the count.
/// </summary>
internal sealed class CombinedTally
{
    private int score;
    private int skipped;

    public bool Worth() => Volatile.Read(ref score) < 16 || Interlocked.Increment(ref skipped) % 32 == 0;

    public void Note(bool complete) => Volatile.Write(ref score, complete ? Math.Max(Volatile.Read(ref score) - 1, -16) : Math.Min(Volatile.Read(ref score) + 4, 64));
}
