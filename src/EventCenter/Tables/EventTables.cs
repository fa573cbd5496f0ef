using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Tables;

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
    /// <returns>Per event: its outcome and, for written and duplicate events, the stored copy (first writer's).</returns>
    public async ValueTask<(WriteOutcome Outcome, ChangeEvent Stored)[]> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var n = events.Count;
        var results = new (WriteOutcome, ChangeEvent)[n];
        if (n == 0)
        {
            return results;
        }
        var mainKeys = new byte[n][];
        var idKeys = new byte[n][];
        var firstIndex = new int[n];
        var firstByIdentity = new Dictionary<(string, string), int>(n);
        var toCheck = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            var e = events[i];
            Validate(e);
            mainKeys[i] = Keys.MainKey(e);
            if (firstByIdentity.TryGetValue((e.Source, e.EventId), out var j))
            {
                firstIndex[i] = j;
                continue;
            }
            firstByIdentity[(e.Source, e.EventId)] = i;
            firstIndex[i] = i;
            idKeys[i] = Keys.IdKey(e.Source, e.EventId);
            toCheck.Add(i);
        }

        var existing = await _store.GetManyAsync(_options.IdIndex, [.. toCheck.Select(i => new Get(idKeys[i]))], cancellationToken);
        // The key holding each identity: the stored one, else the first in the batch (which is then written).
        var holder = new byte[n][];
        var holderStored = new bool[n];
        var written = new List<ChangeEvent>(toCheck.Count);
        for (var k = 0; k < toCheck.Count; k++)
        {
            var i = toCheck[k];
            if (existing[k] is { } stored)
            {
                holder[i] = FirstValue(stored);
                holderStored[i] = true;
            }
            else
            {
                holder[i] = mainKeys[i];
                results[i] = (WriteOutcome.Written, events[i]);
                written.Add(events[i]);
            }
        }
        var storedDuplicates = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var j = firstIndex[i];
            if (j == i && !holderStored[i])
            {
                continue;
            }
            if (!holder[j].AsSpan().SequenceEqual(mainKeys[i]))
            {
                results[i] = (WriteOutcome.Conflict, events[i]);
            }
            else if (holderStored[j])
            {
                results[i] = (WriteOutcome.Duplicate, events[i]);
                storedDuplicates.Add(i);
            }
            else
            {
                results[i] = (WriteOutcome.Duplicate, events[j]);
            }
        }

        await PutRowsAsync(written, EventFamily, static e => e.EventTime, cancellationToken);

        if (storedDuplicates.Count > 0)
        {
            // The first writer's copy is authoritative; callers that copy rows elsewhere (the hot tier) use it.
            var rows = await _store.GetManyAsync(_options.Main, [.. storedDuplicates.Select(i => new Get(mainKeys[i]))], cancellationToken);
            var missing = new List<ChangeEvent>();
            for (var k = 0; k < storedDuplicates.Count; k++)
            {
                var i = storedDuplicates[k];
                if (rows[k] is { } row)
                {
                    results[i] = (WriteOutcome.Duplicate, Decode(row));
                }
                else if (!missing.Any(m => m.EventId == events[i].EventId && m.Source == events[i].Source))
                {
                    // Only possible when the id row outlived the main row (TTL races): store the event again.
                    missing.Add(events[i]);
                }
            }
            await PutRowsAsync(missing, EventFamily, static e => e.EventTime, cancellationToken);
        }
        return results;
    }

    /// <summary>Unconditionally puts main, time-index and then id rows of the events in <paramref name="family"/>.</summary>
    public async ValueTask PutRowsAsync(IReadOnlyList<ChangeEvent> events, byte[] family, Func<ChangeEvent, long> stamp, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        var main = new Put[events.Count];
        var time = new Put[events.Count];
        var ids = new Put[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var ts = stamp(e);
            var mainKey = Keys.MainKey(e);
            main[i] = new Put(mainKey, [new Cell(family, ValueQualifier, ts, EventCodec.Encode(e))]);
            time[i] = new Put(Keys.TimeKey(e), [new Cell(family, ValueQualifier, ts, Marker)]);
            ids[i] = new Put(Keys.IdKey(e.Source, e.EventId), [new Cell(family, ValueQualifier, ts, mainKey)]);
        }
        await _store.PutAsync(_options.Main, main, cancellationToken);
        await _store.PutAsync(_options.TimeIndex, time, cancellationToken);
        await _store.PutAsync(_options.IdIndex, ids, cancellationToken);
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
