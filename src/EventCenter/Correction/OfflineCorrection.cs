using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// The daily comparison with the source database: reads the mirrored table in pages, compares each row with the
/// event center's state as of the snapshot time, and writes correction events for rows that differ, are missing,
/// or were deleted in the database but are still present in the event center.
/// </summary>
/// <remarks>
/// Correction events carry the snapshot time as event time (or the row's time column when configured and
/// later than the stored state) and content-derived ids, so running the same correction twice writes nothing new.
/// Finding deleted rows streams the source's events once and keeps one entry per entity in memory.
/// </remarks>
public sealed class OfflineCorrection(IEventStore events, TimeProvider? clock = null)
{
    private const int WriteBatch = 500;
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>Corrects <paramref name="source"/> against <paramref name="database"/> as of <paramref name="snapshotTime"/> (ms).</summary>
    public async Task<CorrectionReport> RunAsync(SourceDefinition source, ISourceDatabase database, long snapshotTime, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var table = source.Mirror ?? throw new ArgumentException($"Source '{source.Name}' mirrors no database table.", nameof(source));
        var runId = snapshotTime.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var pending = new List<ChangeEvent>();
        long scanned = 0, same = 0, differing = 0, missing = 0, deleted = 0, written = 0;
        var sequence = 0;

        async Task FlushAsync()
        {
            if (pending.Count > 0)
            {
                var outcomes = await events.WriteAsync(pending, cancellationToken);
                written += outcomes.Count(o => o.Outcome == WriteOutcome.Written);
                pending.Clear();
            }
        }

        await foreach (var row in database.ReadAllAsync(table, pageSize, cancellationToken))
        {
            scanned++;
            seenKeys.Add(row.EntityKey);
            var state = await events.GetStateAsync(source.Name, row.EntityKey, snapshotTime, cancellationToken);
            if (state is not null && RowComparer.Same(row.Json, state.After))
            {
                same++;
                continue;
            }
            if (state is null)
            {
                missing++;
            }
            else
            {
                differing++;
            }
            var time = row.ChangedAt is { } changed && changed <= snapshotTime && changed > (state?.EventTime ?? long.MinValue) ? changed : snapshotTime;
            pending.Add(Correction(source.Name, runId, row.EntityKey, state is null ? EventOperation.Insert : EventOperation.Update, time, state?.After, row.Json, sequence++));
            if (pending.Count >= WriteBatch)
            {
                await FlushAsync();
            }
        }
        await FlushAsync();

        foreach (var key in await LiveKeysAsync(source.Name, snapshotTime, cancellationToken))
        {
            if (seenKeys.Contains(key))
            {
                continue;
            }
            deleted++;
            var state = await events.GetStateAsync(source.Name, key, snapshotTime, cancellationToken);
            pending.Add(Correction(source.Name, runId, key, EventOperation.Delete, snapshotTime, state?.After, null, sequence++));
            if (pending.Count >= WriteBatch)
            {
                await FlushAsync();
            }
        }
        await FlushAsync();
        return new CorrectionReport(source.Name, snapshotTime, scanned, same, differing, missing, deleted, written);
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
            Position = new SourcePosition("correction:" + runId, 0, index),
            EventId = id,
            Before = before,
            After = after,
            Headers = new Dictionary<string, string> { ["fp-origin"] = "correction" },
        };
    }
}

/// <summary>What a correction run found and wrote.</summary>
/// <param name="Source">Source corrected.</param>
/// <param name="SnapshotTime">The as-of time compared, ms.</param>
/// <param name="Scanned">Database rows read.</param>
/// <param name="Same">Rows equal to the event center's state.</param>
/// <param name="Differing">Rows whose stored state differed.</param>
/// <param name="Missing">Rows the event center did not have.</param>
/// <param name="Deleted">Entities present in the event center but gone from the database.</param>
/// <param name="Written">Correction events newly stored (0 when the same correction already ran).</param>
public sealed record CorrectionReport(string Source, long SnapshotTime, long Scanned, long Same, long Differing, long Missing, long Deleted, long Written);
