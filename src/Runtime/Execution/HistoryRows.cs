using System.Text;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>One change of an entity's history, rendered once as the logic gets it.</summary>
/// <param name="Time">Its event time (ms).</param>
/// <param name="Json">UTF-8 <c>{"time_ms": …, "op": …, "data": {…}}</c>.</param>
internal readonly record struct HistoryRow(long Time, byte[] Json);

/// <summary>The answer to <c>ctx.history</c> from rendered rows.</summary>
internal static class HistoryRows
{
    /// <summary>
    /// The JSON array of the <paramref name="rows"/> (oldest first) with <paramref name="sinceMs"/> ≤ time ≤
    /// <paramref name="untilMs"/>, at most <paramref name="limit"/> of them when it is positive.
    /// </summary>
    public static string Render(IReadOnlyList<HistoryRow> rows, long sinceMs, long untilMs, int limit)
    {
        var first = FirstAtOrAfter(rows, sinceMs);
        var end = first;
        var bytes = 2;
        while (end < rows.Count && rows[end].Time <= untilMs && (limit <= 0 || end - first < limit))
        {
            bytes += rows[end].Json.Length + 1;
            end++;
        }
        var buffer = new byte[bytes];
        var at = 0;
        buffer[at++] = (byte)'[';
        for (var i = first; i < end; i++)
        {
            if (i > first)
            {
                buffer[at++] = (byte)',';
            }
            rows[i].Json.CopyTo(buffer, at);
            at += rows[i].Json.Length;
        }
        buffer[at++] = (byte)']';
        return Encoding.UTF8.GetString(buffer, 0, at);
    }

    /// <summary>
    /// A new list of the <paramref name="rows"/> (oldest first) with <paramref name="sinceMs"/> ≤ time ≤
    /// <paramref name="untilMs"/>, at most <paramref name="limit"/> of them when it is positive.
    /// </summary>
    public static List<HistoryRow> Slice(IReadOnlyList<HistoryRow> rows, long sinceMs, long untilMs, int limit)
    {
        var slice = new List<HistoryRow>();
        for (var i = FirstAtOrAfter(rows, sinceMs); i < rows.Count && rows[i].Time <= untilMs && (limit <= 0 || slice.Count < limit); i++)
        {
            slice.Add(rows[i]);
        }
        return slice;
    }

    /// <summary>The index of the first row at or after <paramref name="time"/> (rows are in time order).</summary>
    private static int FirstAtOrAfter(IReadOnlyList<HistoryRow> rows, long time)
    {
        var (low, high) = (0, rows.Count);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (rows[middle].Time < time)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
