using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// The quarantined events of every job, in a wide table of the event center's storage (the store that keeps the job
/// error log and switches, so entries survive restarts and every runtime process sees them): one row per job and
/// event, with the last error, the attempts and the event itself (its canonical stored form, re-run by a retry).
/// </summary>
/// <remarks>
/// Counts on meter <see cref="Diagnostics.RuntimeMetrics.MeterName"/>: <c>runtime.job.quarantined</c>, events
/// quarantined per job and mode. The time each job last quarantined an event in this process feeds readiness.
/// </remarks>
public sealed class QuarantineLog
{
    private static readonly byte[] Family = "q"u8.ToArray();
    private static readonly byte[] EntryColumn = "entry"u8.ToArray();
    private static readonly byte[] EventColumn = "event"u8.ToArray();
    private readonly IWideTableStore store;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, long> lastQuarantined = new(StringComparer.Ordinal);
    private readonly Counter<long>? quarantined;

    /// <summary>Creates the log on <paramref name="store"/>.</summary>
    /// <param name="store">The storage (normally the event center's hot store).</param>
    /// <param name="meters">Creates the <c>runtime.job.quarantined</c> counter; null: not counted.</param>
    /// <param name="clock">The clock of readiness windows.</param>
    /// <param name="table">The table. Default: <c>job_quarantine</c>.</param>
    public QuarantineLog(IWideTableStore store, IMeterFactory? meters = null, TimeProvider? clock = null, TableName? table = null)
    {
        this.store = store;
        this.clock = clock ?? TimeProvider.System;
        Table = table ?? new TableName(null, "job_quarantine");
        quarantined = meters?.Create(Diagnostics.RuntimeMetrics.MeterName)
            .CreateCounter<long>("runtime.job.quarantined", description: "Events a job gave up on after its retries (quarantined), by job and mode.");
    }

    /// <summary>The table.</summary>
    public TableName Table { get; }

    /// <summary>Creates (embedded) or verifies (HBase) the table; entries stay until retried successfully or deleted.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("q", 1)]), cancellationToken);

    /// <summary>When <paramref name="job"/> last quarantined an event in this process (ms since the Unix epoch), or null.</summary>
    public long? LastQuarantinedAt(string job) => lastQuarantined.TryGetValue(job, out var at) ? at : null;

    /// <summary>The jobs that quarantined an event in this process within <paramref name="window"/>, with the time of the last one.</summary>
    public IReadOnlyDictionary<string, long> QuarantinedWithin(TimeSpan window)
    {
        var since = clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)window.TotalMilliseconds;
        return lastQuarantined.Where(kv => kv.Value >= since).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>Records <paramref name="events"/> (an event already quarantined keeps its first time and adds the attempts).</summary>
    public async ValueTask AddAsync(IReadOnlyList<QuarantinedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }
        var existing = await store.GetManyAsync(Table, [.. events.Select(e => new Get(RowKey(e.Job, e.Event.Source, e.Event.EventId)) { Columns = [new ColumnSelector(Family, EntryColumn)] })],
            cancellationToken);
        var puts = new List<Put>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var before = existing[i] is { } row ? JsonSerializer.Deserialize<QuarantineEntry>(row.Cells[0].Value) : null;
            var entry = new QuarantineEntry(QuarantineEntry.IdOf(e.Event.Source, e.Event.EventId), e.Job, e.JobVersion, e.Mode, e.Event.Source, e.Event.EntityKey,
                e.Event.EventTime, e.Event.EventId, JsonSerializer.Deserialize<JsonElement>(EventJsonCodec.Encode(e.Event)), e.ErrorType, e.Message, e.Traceback,
                (before?.Attempts ?? 0) + e.Attempts, before?.FirstQuarantinedAt ?? e.At, e.At);
            puts.Add(new Put(RowKey(e.Job, e.Event.Source, e.Event.EventId),
            [
                new Cell(Family, EntryColumn, e.At, JsonSerializer.SerializeToUtf8Bytes(entry)),
                new Cell(Family, EventColumn, e.At, EventCodec.Encode(e.Event)),
            ]));
        }
        await store.PutAsync(Table, puts, cancellationToken);
        foreach (var e in events)
        {
            lastQuarantined.AddOrUpdate(e.Job, e.At, (_, at) => Math.Max(at, e.At));
            quarantined?.Add(1, new KeyValuePair<string, object?>("job", e.Job), new KeyValuePair<string, object?>("mode", e.Mode));
        }
    }

    /// <summary>
    /// A page of <paramref name="job"/>'s entries in id order, starting after the entry <paramref name="after"/> (null:
    /// from the first); <c>Next</c> is the id to pass for the following page, null at the end.
    /// </summary>
    public async ValueTask<QuarantinePage> ListAsync(string job, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var start = after is not null && QuarantineEntry.Parse(after) is { } a ? [.. RowKey(job, a.Source, a.EventId), 0] : Array.Empty<byte>();
        var entries = new List<QuarantineEntry>(limit);
        var scan = new Scan { Prefix = Prefix(job), StartRow = start, Limit = limit + 1, PageSize = Math.Min(limit + 1, 256), Columns = [new ColumnSelector(Family, EntryColumn)] };
        var more = false;
        await foreach (var row in store.ScanAsync(Table, scan, cancellationToken))
        {
            if (entries.Count == limit)
            {
                more = true;
                break;
            }
            entries.Add(JsonSerializer.Deserialize<QuarantineEntry>(row.Cells[0].Value)!);
        }
        return new QuarantinePage(entries, more ? entries[^1].Id : null);
    }

    /// <summary>How many events <paramref name="job"/> has in quarantine.</summary>
    public async ValueTask<int> CountAsync(string job, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var _ in store.ScanAsync(Table, new Scan { Prefix = Prefix(job), Columns = [new ColumnSelector(Family, EntryColumn)], PageSize = 1024 }, cancellationToken))
        {
            count++;
        }
        return count;
    }

    /// <summary>The entry <paramref name="id"/> of <paramref name="job"/> with its stored event, or null.</summary>
    public async ValueTask<(QuarantineEntry Entry, ChangeEvent Event)?> FindAsync(string job, string id, CancellationToken cancellationToken = default)
    {
        if (QuarantineEntry.Parse(id) is not { } parsed)
        {
            return null;
        }
        var row = await store.GetAsync(Table, new Get(RowKey(job, parsed.Source, parsed.EventId)), cancellationToken);
        if (row is null)
        {
            return null;
        }
        QuarantineEntry? entry = null;
        ChangeEvent? e = null;
        foreach (var cell in row.Cells)
        {
            if (cell.Qualifier.AsSpan().SequenceEqual(EntryColumn))
            {
                entry = JsonSerializer.Deserialize<QuarantineEntry>(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(EventColumn))
            {
                e = EventCodec.Decode(cell.Value);
            }
        }
        return entry is null || e is null ? null : (entry, e);
    }

    /// <summary>Removes the entry of <paramref name="job"/>'s event <paramref name="e"/> (after a successful retry).</summary>
    public ValueTask RemoveAsync(string job, ChangeEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        return store.DeleteAsync(Table, [new Delete(RowKey(job, e.Source, e.EventId))], cancellationToken);
    }

    private static byte[] Prefix(string job) => [.. Encoding.UTF8.GetBytes(job), 0];

    private static byte[] RowKey(string job, string source, string eventId) =>
        [.. Prefix(job), .. Encoding.UTF8.GetBytes(source), 0, .. Encoding.UTF8.GetBytes(eventId)];
}

/// <summary>A page of quarantine entries.</summary>
/// <param name="Entries">The entries, in id order.</param>
/// <param name="Next">Pass as <c>after</c> for the next page; null when this is the last.</param>
public sealed record QuarantinePage(IReadOnlyList<QuarantineEntry> Entries, string? Next);
