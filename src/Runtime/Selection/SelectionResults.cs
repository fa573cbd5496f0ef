namespace FeaturePlatform.Runtime.Selection;

/// <summary>One page of a selection.</summary>
/// <param name="Job">The job.</param>
/// <param name="Predicate">The predicate (freshness bound included).</param>
/// <param name="Columns">Feature columns returned with each key.</param>
/// <param name="PageSize">Most keys on a page.</param>
/// <param name="After">Only keys after this one (ordinal order): the cursor of the previous page; null for the first.</param>
public sealed record SelectionQuery(string Job, Predicate Predicate, IReadOnlyList<string> Columns, int PageSize, string? After);

/// <summary>A matching entity: its key, newest event time and the chosen columns' values (in the query's order).</summary>
/// <param name="Key">The entity key.</param>
/// <param name="Updated">The row's newest event time (ms).</param>
/// <param name="Values">The chosen columns' values.</param>
public sealed record SelectedRow(string Key, long Updated, IReadOnlyList<CellValue> Values);

/// <summary>The answer to a selection: the count of every match and one page of keys in ordinal key order.</summary>
/// <param name="Count">Entities that match.</param>
/// <param name="Rows">This page's matches, by key.</param>
/// <param name="NextAfter">The last key of this page when more follow (pass it as <see cref="SelectionQuery.After"/>); else null.</param>
/// <param name="Engine">The engine that answered (<c>memory</c>, <c>scan</c>, <c>scan+pushdown</c>).</param>
/// <param name="PushedDown">The filter string sent to the store (scan engine on HBase), or null.</param>
public sealed record SelectionPage(long Count, IReadOnlyList<SelectedRow> Rows, string? NextAfter, string Engine, string? PushedDown);

/// <summary>Collects a page: the <c>pageSize</c> smallest keys after the cursor, and the count of all matches.</summary>
internal sealed class PageCollector<T>(int pageSize, string? after)
{
    // Max-heap on the key: the root is the largest key kept, dropped when a smaller one arrives.
    private readonly PriorityQueue<T, string> heap = new(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));

    public long Count { get; private set; }

    /// <summary>Counts one match; true when it is (for now) on the page.</summary>
    public bool Offer(string key, T handle)
    {
        Count++;
        if (after is not null && string.CompareOrdinal(key, after) <= 0)
        {
            return false;
        }
        if (heap.Count < pageSize + 1)
        {
            heap.Enqueue(handle, key);
            return true;
        }
        heap.TryPeek(out _, out var largest);
        if (string.CompareOrdinal(key, largest) < 0)
        {
            heap.EnqueueDequeue(handle, key);
            return true;
        }
        return false;
    }

    /// <summary>The kept handles by key; more is true when a match lies beyond the page.</summary>
    public (List<(T Handle, string Key)> Page, bool More) Drain()
    {
        var kept = new List<(T, string)>(heap.Count);
        while (heap.TryDequeue(out var handle, out var key))
        {
            kept.Add((handle, key));
        }
        kept.Reverse();
        var more = kept.Count > pageSize;
        if (more)
        {
            kept.RemoveAt(kept.Count - 1);
        }
        return (kept, more);
    }
}
