using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// Streams a source's events in [from, to) in (time, position, id, entity) order: one time-index scan per salt
/// bucket (each paged by the store), a k-way merge on the key bytes after the salt, and the main rows fetched
/// with one multi-get per page of merged keys. Memory: one page per bucket plus one output page.
/// </summary>
internal static class ReplayMerge
{
    public static async IAsyncEnumerable<ChangeEvent> RunAsync(EventTables tables, EventTableOptions options, string source, long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (from >= to)
        {
            yield break;
        }
        var enumerators = new List<IAsyncEnumerator<RowResult>>(tables.Keys.SaltBuckets);
        var queue = new PriorityQueue<IAsyncEnumerator<RowResult>, byte[]>(SaltlessComparer.Instance);
        try
        {
            for (var salt = 0; salt < tables.Keys.SaltBuckets; salt++)
            {
                var scan = new Scan
                {
                    StartRow = tables.Keys.SourceSaltPrefix((byte)salt, source, from),
                    StopRow = tables.Keys.SourceSaltPrefix((byte)salt, source, to),
                    Columns = null,
                    PageSize = options.ScanPageSize,
                };
                var enumerator = tables.Store.ScanAsync(options.TimeIndex, scan, cancellationToken).GetAsyncEnumerator(cancellationToken);
                enumerators.Add(enumerator);
                if (await enumerator.MoveNextAsync())
                {
                    queue.Enqueue(enumerator, enumerator.Current.Row);
                }
            }

            var page = new List<byte[]>(options.ScanPageSize);
            while (queue.Count > 0)
            {
                var next = queue.Dequeue();
                page.Add(EventKeys.MainKeyFromTimeKey(next.Current.Row));
                if (await next.MoveNextAsync())
                {
                    queue.Enqueue(next, next.Current.Row);
                }
                if (page.Count == options.ScanPageSize || queue.Count == 0)
                {
                    foreach (var e in await tables.GetMainRowsAsync(page, cancellationToken))
                    {
                        yield return e;
                    }
                    page.Clear();
                }
            }
        }
        finally
        {
            foreach (var enumerator in enumerators)
            {
                await enumerator.DisposeAsync();
            }
        }
    }

    /// <summary>Orders time-index keys of one source by everything after the salt byte.</summary>
    private sealed class SaltlessComparer : IComparer<byte[]>
    {
        public static readonly SaltlessComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan(1).SequenceCompareTo(y.AsSpan(1));
    }
}
