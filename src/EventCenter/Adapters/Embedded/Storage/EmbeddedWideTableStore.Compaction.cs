using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>What a compaction did.</summary>
/// <param name="Tables">Tables compacted.</param>
/// <param name="CellsExamined">Stored cells read.</param>
/// <param name="CellsDeleted">Expired cells, surplus versions and cells of dropped families physically deleted.</param>
public sealed record CompactionResult(int Tables, long CellsExamined, long CellsDeleted);

public sealed partial class EmbeddedWideTableStore
{
    /// <summary>
    /// Physically deletes what reads already hide: cells older than their family's TTL, versions beyond the
    /// family's MaxVersions, and cells of families no longer declared. Works in chunks of
    /// <see cref="EmbeddedStoreOptions.CompactionChunkCells"/> cells, one write transaction each, so writers are
    /// blocked only briefly. Reads see the same data before and after. The host schedules it (e.g. hourly);
    /// the hot store's retention relies on it to free space.
    /// </summary>
    /// <param name="table">One table, or null for all of them.</param>
    /// <param name="cancellationToken">Stops between chunks (finished chunks stay compacted).</param>
    public async ValueTask<CompactionResult> CompactAsync(TableName? table = null, CancellationToken cancellationToken = default)
    {
        var tables = table is null ? catalog.All.ToList() : [catalog.Get(table)];
        long examined = 0;
        long deleted = 0;
        foreach (var info in tables)
        {
            var after = Array.Empty<byte>();
            var done = false;
            while (!done)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = after;
                var (chunkExamined, chunkDeleted, last) = await WriteAsync(w => CompactChunk(w, info, start, NowMs()), info.Name, cancellationToken).ConfigureAwait(false);
                examined += chunkExamined;
                deleted += chunkDeleted;
                done = last is null;
                after = last ?? after;
            }
        }
        return new CompactionResult(tables.Count, examined, deleted);
    }

    /// <summary>
    /// Compacts every table every <paramref name="interval"/> until <paramref name="cancellationToken"/> is cancelled
    /// (then returns normally). Meant to be awaited by the host's background service, not fired and forgotten.
    /// </summary>
    /// <param name="interval">Time between the end of one compaction and the start of the next.</param>
    /// <param name="onCompacted">Called with each compaction's result (e.g. for metrics/logs); may be null.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    public async Task RunCompactionLoopAsync(TimeSpan interval, Action<CompactionResult>? onCompacted, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        try
        {
            while (true)
            {
                var result = await CompactAsync(null, cancellationToken).ConfigureAwait(false);
                onCompacted?.Invoke(result);
                await Task.Delay(interval, options.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }
    }

    /// <summary>Compacts whole rows after <paramref name="after"/> until about a chunk of cells was examined.</summary>
    private (long Examined, long Deleted, byte[]? Last) CompactChunk(CachedConnection writer, TableInfo info, byte[] after, long now)
    {
        var doomed = new List<(byte[] Row, byte[] Fam, byte[] Qual, long Ts)>();
        long examined = 0;
        byte[]? current = null;
        var finishedChunk = false;
        var select = writer.Command($"SELECT row, fam, qual, nts FROM {info.SqlName} WHERE row > $p0{ReadSql.ForwardOrder}", 1);
        select.Parameters[0].Value = after;
        using (var reader = select.ExecuteReader())
        {
            FamilyInfo? family = null;
            byte[]? fam = null;
            byte[]? qual = null;
            var versions = 0;
            while (reader.Read())
            {
                var row = reader.GetFieldValue<byte[]>(0);
                if (current is null || !row.AsSpan().SequenceEqual(current))
                {
                    if (examined >= options.CompactionChunkCells)
                    {
                        finishedChunk = true;
                        break;
                    }
                    current = row;
                    fam = null;
                }
                examined++;
                var f = reader.GetFieldValue<byte[]>(1);
                var q = reader.GetFieldValue<byte[]>(2);
                var ts = -reader.GetInt64(3);
                if (fam is null || !f.AsSpan().SequenceEqual(fam))
                {
                    fam = f;
                    family = info.Find(f);
                    qual = null;
                }
                if (qual is null || !q.AsSpan().SequenceEqual(qual))
                {
                    qual = q;
                    versions = 0;
                }
                versions++;
                if (family is null || ts < family.ExpiryCutoff(now) || versions > family.MaxVersions)
                {
                    doomed.Add((current, f, q, ts));
                }
            }
        }
        var delete = writer.Command($"DELETE FROM {info.SqlName} WHERE row = $p0 AND fam = $p1 AND qual = $p2 AND nts = $p3", 4);
        foreach (var (row, fam, qual, ts) in doomed)
        {
            Execute(delete, row, fam, qual, -ts);
        }
        return (examined, doomed.Count, finishedChunk ? current : null);
    }
}
