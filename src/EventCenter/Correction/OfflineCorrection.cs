using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// The daily comparison with the source database, as of one consistent snapshot time S: reads the mirrored table in
/// pages, compares each row with the event center's state as of S, and writes correction events for rows that differ,
/// are missing, or were deleted in the database but are still present in the event center.
/// </summary>
/// <remarks>
/// <para><b>Consistency.</b> S is the requested time, lowered to the source's event-time watermark when that is behind,
/// so the event center's state as of S is complete. The database is read after S, so a row that changed after S shows
/// its future value: such a row is skipped, never written back at S. A row changed after S is one whose
/// <see cref="MirroredTable.TimeColumn"/> is after S, or (with or without a time column) whose entity has a stored event
/// after S once the watermark has passed the end of the read — then every change committed before the read ended is
/// stored. Differences found in the scan are checked again after that wait, against the state as of S then stored.</para>
/// <para><b>The corrected event.</b> Event time: the row's change time when the table has one, else S; always after the
/// stored event it corrects (its time + 1 ms when that is not already later), so it never lands below data it
/// overwrites, and nothing of the entity is stored after it. Id: a content hash (<see cref="EventIds.ForCorrection"/>) of
/// source, key, operation, time and images, so a second run writes nothing new and replays are deterministic.</para>
/// <para><b>Repair.</b> Each batch of corrected events is announced (<see cref="CorrectionAnnouncer"/>) before it is
/// written, so late-data repair re-runs the computations that read the corrected entities.</para>
/// Finding deleted rows streams the source's events once and keeps one entry per entity in memory.
/// </remarks>
public sealed class OfflineCorrection
{
    private const int WriteBatch = 500;
    private readonly IEventStore events;
    private readonly IWatermarkStore watermarks;
    private readonly ConsistencyWaiter waiter;
    private readonly CorrectionAnnouncer? announcer;
    private readonly CorrectionOptions options;
    private readonly TimeProvider clock;

    /// <param name="events">The event center's store (read and written).</param>
    /// <param name="watermarks">The watermark index (the snapshot's safety).</param>
    /// <param name="announcer">Where corrected events are announced for repair; null for tools without a runtime (nothing is repaired).</param>
    /// <param name="options">Waits and topic; defaults when null.</param>
    /// <param name="clock">Clock; system when null.</param>
    /// <param name="signal">In-process watermark moves (wakes the wait at once); the wait polls without it.</param>
    public OfflineCorrection(IEventStore events, IWatermarkStore watermarks, CorrectionAnnouncer? announcer = null, CorrectionOptions? options = null,
        TimeProvider? clock = null, WatermarkSignal? signal = null)
    {
        this.events = events;
        this.watermarks = watermarks;
        this.announcer = announcer;
        this.options = options ?? new CorrectionOptions();
        this.clock = clock ?? TimeProvider.System;
        waiter = new ConsistencyWaiter(watermarks, signal ?? new WatermarkSignal(), new ConsistencyOptions { Clock = this.clock, MaxPollInterval = TimeSpan.FromMilliseconds(200) });
    }

    /// <summary>Corrects <paramref name="source"/> against <paramref name="database"/> as of <paramref name="snapshotTime"/> (ms) or its watermark, whichever is earlier.</summary>
    /// <exception cref="ConsistencyTimeoutException">The watermark did not pass the end of the read within <see cref="CorrectionOptions.WatermarkWait"/>; nothing was written.</exception>
    public async Task<CorrectionReport> RunAsync(SourceDefinition source, ISourceDatabase database, long snapshotTime, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var table = source.Mirror ?? throw new ArgumentException($"Source '{source.Name}' mirrors no database table.", nameof(source));
        var watermark = await watermarks.GetEventTimeAsync(source.Name, cancellationToken);
        var snapshot = watermark is { } w && w < snapshotTime ? w : snapshotTime;
        var tally = new Tally();
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var suspects = new List<(string Key, SourceRow? Row)>();

        await foreach (var row in database.ReadAllAsync(table, pageSize, cancellationToken))
        {
            tally.Scanned++;
            seenKeys.Add(row.EntityKey);
            if (row.ChangedAt > snapshot)
            {
                tally.ChangedAfter++; // its value at the snapshot is no longer in the database
                continue;
            }
            var state = await events.GetStateAsync(source.Name, row.EntityKey, snapshot, cancellationToken);
            if (state is not null && RowComparer.Same(row.Json, state.After))
            {
                tally.Same++;
                continue;
            }
            suspects.Add((row.EntityKey, row));
        }
        foreach (var key in await LiveKeysAsync(source.Name, snapshot, cancellationToken))
        {
            if (!seenKeys.Contains(key))
            {
                suspects.Add((key, null));
            }
        }

        // Every change committed before the read ended is stored once the watermark passes the read's end.
        var readEnd = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (suspects.Count > 0)
        {
            await waiter.WaitForEventTimeAsync(source.Name, readEnd, options.WatermarkWait, cancellationToken);
        }
        var corrections = new List<ChangeEvent>();
        var runId = "correction:" + snapshot.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, row) in suspects)
        {
            if (await CorrectAsync(source.Name, key, row, snapshot, runId, corrections.Count, tally, cancellationToken) is { } correction)
            {
                corrections.Add(correction);
            }
        }
        foreach (var chunk in corrections.Chunk(WriteBatch))
        {
            // Stamped just before the write: repair takes computations that started after this (plus its delay) as having seen them.
            var storedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var batch = chunk.Select(e => e with { IngestTime = storedAt }).ToList();
            if (announcer is not null)
            {
                await announcer.AnnounceAsync(source.Name, [.. batch.Select(e => e.EventId)], cancellationToken);
            }
            var outcomes = await events.WriteAsync(batch, cancellationToken);
            tally.Written += outcomes.Count(o => o.Outcome == WriteOutcome.Written);
        }
        return new CorrectionReport(source.Name, snapshot, tally.Scanned, tally.Same, tally.Differing, tally.Missing, tally.Deleted, tally.Written)
        {
            ChangedAfterSnapshot = tally.ChangedAfter,
        };
    }

    /// <summary>
    /// The correction of one entity that differed in the scan, decided on what is stored now that the watermark passed
    /// the read: none when it changed after the snapshot or the stored state now matches.
    /// </summary>
    private async Task<ChangeEvent?> CorrectAsync(string source, string key, SourceRow? row, long snapshot, string runId, int index, Tally tally, CancellationToken cancellationToken)
    {
        var latest = await events.GetLatestEventAsync(source, key, long.MaxValue, cancellationToken);
        if (latest is not null && latest.EventTime > snapshot)
        {
            tally.ChangedAfter++; // the database may show a value from after the snapshot
            return null;
        }
        var state = latest is null || latest.IsDelete ? null : latest;
        // After the entity's latest stored event (so it is the state from then on), at the row's change time or the snapshot.
        var after = latest is null ? long.MinValue : latest.EventTime + 1;
        if (row is null)
        {
            if (state is null)
            {
                tally.Same++;
                return null;
            }
            tally.Deleted++;
            return Correction(source, runId, key, EventOperation.Delete, Math.Max(snapshot, after), state.After, null, index);
        }
        if (state is not null && RowComparer.Same(row.Json, state.After))
        {
            tally.Same++;
            return null;
        }
        if (state is null)
        {
            tally.Missing++;
        }
        else
        {
            tally.Differing++;
        }
        return Correction(source, runId, key, state is null ? EventOperation.Insert : EventOperation.Update, Math.Max(row.ChangedAt ?? snapshot, after), state?.After, row.Json, index);
    }

    /// <summary>Entities whose last event at or before the snapshot is not a delete.</summary>
    private async Task<List<string>> LiveKeysAsync(string source, long snapshotTime, CancellationToken cancellationToken)
    {
        var live = new Dictionary<string, bool>(StringComparer.Ordinal);
        await foreach (var e in events.ReplayAsync(source, long.MinValue, snapshotTime + 1, cancellationToken))
        {
            live[e.EntityKey] = !e.IsDelete;
        }
        return live.Where(kv => kv.Value).Select(kv => kv.Key).ToList();
    }

    private ChangeEvent Correction(string source, string runId, string key, EventOperation operation, long eventTime, byte[]? before, byte[]? after, int index)
    {
        var id = EventIds.ForCorrection(source, key, operation, eventTime, before, after, Encoding.UTF8.GetBytes("correction"), 0);
        return new ChangeEvent
        {
            Source = source,
            EntityKey = key,
            Operation = operation,
            EventTime = eventTime,
            IngestTime = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Position = new SourcePosition(runId, 0, index),
            EventId = id,
            Before = before,
            After = after,
            Headers = new Dictionary<string, string> { ["fp-origin"] = "correction" },
        };
    }

    private sealed class Tally
    {
        public long Scanned { get; set; }
        public long Same { get; set; }
        public long Differing { get; set; }
        public long Missing { get; set; }
        public long Deleted { get; set; }
        public long ChangedAfter { get; set; }
        public long Written { get; set; }
    }
}

/// <summary>What a correction run found and wrote.</summary>
/// <param name="Source">Source corrected.</param>
/// <param name="SnapshotTime">The as-of time compared, ms: the requested time, or the source's watermark when that was earlier.</param>
/// <param name="Scanned">Database rows read.</param>
/// <param name="Same">Rows (and entities) equal to the event center's state.</param>
/// <param name="Differing">Rows whose stored state differed.</param>
/// <param name="Missing">Rows the event center did not have.</param>
/// <param name="Deleted">Entities present in the event center but gone from the database.</param>
/// <param name="Written">Correction events newly stored (0 when the same correction already ran).</param>
public sealed record CorrectionReport(string Source, long SnapshotTime, long Scanned, long Same, long Differing, long Missing, long Deleted, long Written)
{
    /// <summary>Rows and entities skipped because they changed after the snapshot (the next run compares them).</summary>
    public long ChangedAfterSnapshot { get; init; }
}
