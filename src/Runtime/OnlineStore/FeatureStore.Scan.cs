using System.Runtime.CompilerServices;
using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.OnlineStore;

public sealed partial class FeatureStore
{
    /// <summary>The column family of feature values (<c>f</c>): what a filter string names.</summary>
    public const string FeatureFamily = "f";

    /// <summary>Whether the store evaluates HBase filter strings in scans (<see cref="ScanAsync"/>'s <c>filterString</c>).</summary>
    public bool SupportsFilterString => store.SupportsFilterString;

    /// <summary>
    /// Streams stored feature rows: of <paramref name="job"/> (one prefix scan per salt bucket), or of every job (a
    /// full-table scan) when it is null. Each row carries every feature cell with its event time; the meta family is left out.
    /// </summary>
    /// <param name="job">The job, or null for all jobs.</param>
    /// <param name="filterString">An HBase filter string applied by the server (only when <see cref="SupportsFilterString"/>).</param>
    /// <param name="pageSize">Rows per round trip.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    public async IAsyncEnumerable<StoredFeatureRow> ScanAsync(string? job, string? filterString = null, int pageSize = 1024,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var columns = new[] { new ColumnSelector(Family) };
        if (job is null)
        {
            await foreach (var row in store.ScanAsync(Table, new Scan { Columns = columns, PageSize = pageSize, FilterString = filterString }, cancellationToken))
            {
                if (ToStored(row) is { } stored)
                {
                    yield return stored;
                }
            }
            yield break;
        }
        var jobBytes = Encoding.UTF8.GetBytes(job);
        for (var salt = 0; salt < saltBuckets; salt++)
        {
            var prefix = new byte[jobBytes.Length + 2];
            prefix[0] = (byte)salt;
            jobBytes.CopyTo(prefix, 1);
            var scan = new Scan { Prefix = prefix, Columns = columns, PageSize = pageSize, FilterString = filterString };
            await foreach (var row in store.ScanAsync(Table, scan, cancellationToken))
            {
                if (ToStored(row) is { } stored)
                {
                    yield return stored;
                }
            }
        }
    }

    private static StoredFeatureRow? ToStored(RowResult row)
    {
        var key = row.Row;
        var zero = Array.IndexOf(key, (byte)0, 1);
        if (zero < 0)
        {
            return null;
        }
        var cells = new List<StoredFeatureCell>(row.Cells.Count);
        foreach (var cell in row.Cells)
        {
            if (cell.Family.AsSpan().SequenceEqual(Family))
            {
                cells.Add(new StoredFeatureCell(Encoding.UTF8.GetString(cell.Qualifier), cell.Value, cell.Timestamp));
            }
        }
        return cells.Count == 0 ? null : new StoredFeatureRow(Encoding.UTF8.GetString(key, 1, zero - 1), Encoding.UTF8.GetString(key, zero + 1, key.Length - zero - 1), cells);
    }
}

/// <summary>A stored feature row with each cell's event time.</summary>
/// <param name="Job">The job.</param>
/// <param name="Key">The entity key.</param>
/// <param name="Cells">Its feature cells.</param>
public sealed record StoredFeatureRow(string Job, string Key, IReadOnlyList<StoredFeatureCell> Cells);

/// <summary>A stored feature cell.</summary>
/// <param name="Column">The feature column.</param>
/// <param name="Json">Its value as stored (JSON, UTF-8).</param>
/// <param name="EventTime">The event time it was computed at (the cell's timestamp).</param>
public sealed record StoredFeatureCell(string Column, byte[] Json, long EventTime);
