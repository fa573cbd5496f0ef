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
        var prefix = scan.Prefix;
        var returned = 0;
        // Reverse prefix scans start at PrefixEnd(prefix) inclusive: that one row may need skipping.
        var slack = scan.Reversed && prefix.Length > 0 ? 1 : 0;

        if (scan.Limit > 0 && scan.Limit + slack <= Math.Min(scan.PageSize, StatelessScanMaxRows))
        {
            var tscan = ToTScan(scan, start, stop, scan.Limit + slack);
            List<TResult> results;
            try
            {
                results = await client.ExecuteAsync((table, tscan, n: scan.Limit + slack),
                    static (c, s, ct) => c.getScannerResults(HBaseConversions.Bytes(s.table), s.tscan, s.n, ct), idempotent: true, cancellationToken).ConfigureAwait(false);
            }
            catch (HBaseIOException e) when (Map(e, table) is { } mapped)
            {
                throw mapped;
            }
            foreach (var r in results)
            {
                var verdict = Classify(r, prefix, scan.Reversed);
                if (verdict < 0)
                {
                    yield break;
                }
                if (verdict > 0 && HBaseConversions.ToRow(r) is { } row)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return row;
                    if (++returned >= scan.Limit)
                    {
                        yield break;
                    }
                }
            }
            yield break;
        }

        int? scannerId = null;
        byte[]? lastRow = null;
        var resumes = 0;
        // The first page comes without a scanner: getScannerResults is one round trip where openScanner, getScannerRows
        // and closeScanner are three, and most scans (a history window, one entity's rows) fit in one page. The server
        // returns fewer rows than asked only at the end of the range; a full page goes on with a scanner after its last row.
        var firstPage = true;
        try
        {
            while (true)
            {
                if (firstPage)
                {
                    firstPage = false;
                    var first = scan.Limit > 0 ? Math.Min(scan.PageSize, scan.Limit + slack) : scan.PageSize;
                    var tscan = ToTScan(scan, start, stop, limit: 0);
                    List<TResult> head;
                    try
                    {
                        head = await client.ExecuteAsync((table, tscan, n: first),
                            static (c, s, ct) => c.getScannerResults(HBaseConversions.Bytes(s.table), s.tscan, s.n, ct), idempotent: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HBaseIOException e) when (Map(e, table) is { } mapped)
                    {
                        throw mapped;
                    }
                    var exhausted = head.Count < first;
                    foreach (var r in head)
                    {
                        var verdict = Classify(r, prefix, scan.Reversed);
                        if (verdict < 0)
                        {
                            yield break;
                        }
                        lastRow = r.Row ?? lastRow;
                        if (verdict > 0 && HBaseConversions.ToRow(r) is { } row)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            yield return row;
                            if (scan.Limit > 0 && ++returned >= scan.Limit)
                            {
                                yield break;
                            }
                        }
                    }
                    if (exhausted || lastRow is null)
                    {
                        yield break;
                    }
                    continue;
                }
                if (scannerId is null)
                {
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
                var wanted = scan.Limit > 0 ? Math.Min(scan.PageSize, scan.Limit - returned + slack + (lastRow is null ? 0 : 1)) : scan.PageSize;
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
                foreach (var r in page)
                {
                    if (lastRow is not null && r.Row is { } key && key.AsSpan().SequenceEqual(lastRow))
                    {
                        continue; // Re-read by a resumed reverse scan.
                    }
                    var verdict = Classify(r, prefix, scan.Reversed);
                    if (verdict < 0)
                    {
                        yield break;
                    }
                    lastRow = r.Row ?? lastRow;
                    if (verdict > 0 && HBaseConversions.ToRow(r) is { } row)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return row;
                        if (scan.Limit > 0 && ++returned >= scan.Limit)
                        {
                            yield break;
                        }
                    }
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
