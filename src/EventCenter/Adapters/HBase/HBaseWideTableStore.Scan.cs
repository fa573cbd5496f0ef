using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

public sealed partial class HBaseWideTableStore
{
    /// <summary>Limited scans up to this many rows use the stateless <c>getScannerResults</c> (one round trip, no scanner).</summary>
    internal const int StatelessScanMaxRows = 1000;

    /// <summary>Scanners opened and closed (for tests and metrics).</summary>
    internal int ScannersOpened => Volatile.Read(ref scannersOpened);

    /// <summary>Scanners closed (or given up on after a failure).</summary>
    internal int ScannersClosed => Volatile.Read(ref scannersClosed);

    /// <inheritdoc />
    public bool SupportsFilterString => true;

    private int scannersOpened;
    private int scannersClosed;

    /// <inheritdoc />
    public IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        StorageValidation.ValidateScan(scan);
        return ScanCoreAsync(Resolve(table), scan, cancellationToken);
    }

    private async IAsyncEnumerable<RowResult> ScanCoreAsync(TableName table, Scan scan, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (start, stop) = Bounds(scan);
        if (start.Length > 0 && stop.Length > 0 && (scan.Reversed ? RowKeys.Compare(start, stop) <= 0 : RowKeys.Compare(start, stop) >= 0))
        {
            yield break;
        }
        var walk = new PageWalk(scan);
        var rows = new List<RowResult>();

        // The first page comes without a scanner: getScannerResults is one round trip where openScanner, getScannerRows
        // and closeScanner are three, and most scans (a history window, one entity's rows) fit in one page. A small
        // limited scan is that page alone; otherwise the server returns fewer rows than asked only at the end of the
        // range, and a full page goes on with a scanner after its last row.
        var small = scan.Limit > 0 && scan.Limit + walk.Slack <= Math.Min(scan.PageSize, StatelessScanMaxRows);
        var first = small || scan.Limit > 0 ? Math.Min(scan.PageSize, scan.Limit + walk.Slack) : scan.PageSize;
        var head = await ResultsAsync(table, ToTScan(scan, start, stop, limit: small ? first : 0), first, cancellationToken).ConfigureAwait(false);
        var more = walk.Take(head, rows);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
        if (!more || small || head.Count < first || walk.LastRow is null)
        {
            yield break;
        }

        int? scannerId = null;
        var resumes = 0;
        try
        {
            while (true)
            {
                if (scannerId is null)
                {
                    var lastRow = walk.LastRow;
                    var resumeStart = lastRow is null ? start : (scan.Reversed ? lastRow : [.. lastRow, 0]);
                    var tscan = ToTScan(scan, resumeStart, stop, limit: 0);
                    try
                    {
                        scannerId = await client.ExecuteAsync((table, tscan),
                            static (c, s, ct) => c.openScanner(HBaseConversions.Bytes(s.table), s.tscan, ct), idempotent: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HBaseIOException e) when (Map(e, table) is { } mapped)
                    {
                        throw mapped;
                    }
                    Interlocked.Increment(ref scannersOpened);
                }
                var wanted = scan.Limit > 0 ? Math.Min(scan.PageSize, scan.Limit - walk.Returned + walk.Slack + (walk.LastRow is null ? 0 : 1)) : scan.PageSize;
                List<TResult> page;
                try
                {
                    page = await client.ExecuteAsync((id: scannerId.Value, wanted),
                        static (c, s, ct) => c.getScannerRows(s.id, s.wanted, ct), idempotent: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (resumes < Options.MaxRetries && IsResumable(e))
                {
                    // The scanner is lost (server restarted, connection broke, scanner expired): reopen after the last row.
                    resumes++;
                    await CloseScannerQuietlyAsync(scannerId.Value).ConfigureAwait(false);
                    scannerId = null;
                    continue;
                }
                if (page.Count == 0)
                {
                    yield break;
                }
                rows.Clear();
                more = walk.Take(page, rows);
                foreach (var row in rows)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return row;
                }
                if (!more)
                {
                    yield break;
                }
            }
        }
        finally
        {
            if (scannerId is { } id)
            {
                await CloseScannerQuietlyAsync(id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One stateless <c>getScannerResults</c> round trip (no scanner to close).</summary>
    private async Task<List<TResult>> ResultsAsync(TableName table, TScan tscan, int rows, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ExecuteAsync((table, tscan, n: rows),
                static (c, s, ct) => c.getScannerResults(HBaseConversions.Bytes(s.table), s.tscan, s.n, ct), idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (HBaseIOException e) when (Map(e, table) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>
    /// A scan's progress through its pages: which rows of a page it returns (prefix and limit applied client-side), the
    /// last row seen (where a lost scanner resumes) and how many rows it returned.
    /// </summary>
    private sealed class PageWalk(Scan scan)
    {
        /// <summary>Reverse prefix scans start at PrefixEnd(prefix) inclusive: that one row may need skipping.</summary>
        public int Slack { get; } = scan.Reversed && scan.Prefix.Length > 0 ? 1 : 0;

        public byte[]? LastRow { get; private set; }

        public int Returned { get; private set; }

        /// <summary>Adds the page's rows of the scan to <paramref name="rows"/>; false when the scan is over (past its prefix or at its limit).</summary>
        public bool Take(List<TResult> page, List<RowResult> rows)
        {
            foreach (var r in page)
            {
                if (LastRow is not null && r.Row is { } key && key.AsSpan().SequenceEqual(LastRow))
                {
                    continue; // Re-read by a resumed reverse scan.
                }
                var verdict = Classify(r, scan.Prefix, scan.Reversed);
                if (verdict < 0)
                {
                    return false;
                }
                LastRow = r.Row ?? LastRow;
                if (verdict > 0 && HBaseConversions.ToRow(r) is { } row)
                {
                    rows.Add(row);
                    if (scan.Limit > 0 && ++Returned >= scan.Limit)
                    {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /// <summary>Server-side bounds: forward [start, stop), reverse (stop, start]; narrowed by the prefix where exact.</summary>
    private static (byte[] Start, byte[] Stop) Bounds(Scan scan)
    {
        var start = scan.StartRow;
        var stop = scan.StopRow;
        if (scan.Prefix.Length == 0)
        {
            return (start, stop);
        }
        var prefixEnd = RowKeys.PrefixEnd(scan.Prefix);
        if (!scan.Reversed)
        {
            if (RowKeys.Compare(start, scan.Prefix) < 0)
            {
                start = scan.Prefix;
            }
            if (prefixEnd.Length > 0 && (stop.Length == 0 || RowKeys.Compare(prefixEnd, stop) < 0))
            {
                stop = prefixEnd;
            }
            return (start, stop);
        }
        // Reverse: start is the inclusive upper bound. Keys with the prefix are < PrefixEnd; PrefixEnd itself is
        // skipped client-side. The lower end stops client-side at the first key below the prefix.
        if (prefixEnd.Length > 0 && (start.Length == 0 || RowKeys.Compare(prefixEnd, start) < 0))
        {
            start = prefixEnd;
        }
        return (start, stop);
    }

    /// <summary>1: a row of the range; 0: skip it; -1: past the prefix range (the scan is over).</summary>
    private static int Classify(TResult result, byte[] prefix, bool reversed)
    {
        if (prefix.Length == 0 || result.Row is not { } row)
        {
            return 1;
        }
        if (row.AsSpan().StartsWith(prefix))
        {
            return 1;
        }
        var before = RowKeys.Compare(row, prefix) < 0;
        return reversed ? (before ? -1 : 0) : (before ? 0 : -1);
    }

    private static TScan ToTScan(Scan scan, byte[] start, byte[] stop, int limit)
    {
        // Setting a generated property marks the field as present: optional fields are set only when they say something.
        var tscan = new TScan { Caching = scan.PageSize, MaxVersions = scan.MaxVersions };
        if (start.Length > 0)
        {
            tscan.StartRow = start;
        }
        if (stop.Length > 0)
        {
            tscan.StopRow = stop;
        }
        if (HBaseConversions.ToColumns(scan.Columns) is { } columns)
        {
            tscan.Columns = columns;
        }
        if (HBaseConversions.ToRange(scan.TimeRange) is { } range)
        {
            tscan.TimeRange = range;
        }
        if (scan.Reversed)
        {
            tscan.Reversed = true;
        }
        if (scan.FilterString is { } filter)
        {
            tscan.FilterString = System.Text.Encoding.UTF8.GetBytes(filter);
        }
        if (limit > 0)
        {
            tscan.Limit = limit;
        }
        return tscan;
    }

    private static bool IsResumable(Exception e) =>
        e is HBaseTransportException or HBaseIllegalArgumentException || (e is HBaseIOException io && io.CanRetry);

    private async ValueTask CloseScannerQuietlyAsync(int scannerId)
    {
        Interlocked.Increment(ref scannersClosed);
        using var timeout = new CancellationTokenSource(Options.ReadTimeout);
        try
        {
            await client.ExecuteAsync(scannerId, static (c, id, ct) => c.closeScanner(id, ct), idempotent: false, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HBaseException or HBaseTransportException or OperationCanceledException)
        {
            // The scanner is gone with its server or connection, or expires on the server's scanner timeout.
        }
    }
}
