namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// One run's history reads of settled time, answered from memory. Below a source's event-time watermark every event is
/// stored, so an entity's changes read once over [since, end] with end below the watermark are the answer to every
/// later read of a range inside it, at any consistency level. A replay walks time forwards and each event of an
/// entity reads a window ending at its own time: the first read of an entity therefore reads on past its end by as
/// much again as it asks for (up to the watermark), and the entity's next events in the run find their ranges held.
/// </summary>
/// <remarks>
/// Meant for the lifetime of one run, as the settled-state cache of fetches: events stored late below the watermark are
/// seen by the next run. Bounded: an entity with more than <see cref="MaxRowsPerEntity"/> changes in a window is read
/// for each read, and when the rows held reach <see cref="MaxBytes"/> the cache starts over. Thread-safe.
/// </remarks>
internal sealed class SettledHistories
{
    /// <summary>Most changes of one entity kept in a window (the SDK's default limit is 1,000).</summary>
    public const int MaxRowsPerEntity = 10_000;

    /// <summary>Bytes of rendered changes held before the cache starts over: 32 MiB.</summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    /// <summary>Longest read-ahead past a read's end: 400 days.</summary>
    private const long MaxAheadMs = 400L * 24 * 3_600_000;

    private readonly Lock gate = new();
    private readonly Dictionary<(string Source, string Key), Window> windows = [];
    private long bytes;
    private long hits;
    private long misses;

    /// <summary>Reads answered from memory.</summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>Reads of settled time that read the event center (each keeps a window).</summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <summary>
    /// The changes with <paramref name="sinceMs"/> ≤ time ≤ <paramref name="untilMs"/>, oldest first, the first
    /// <paramref name="limit"/> when it is positive, if a window held covers the range.
    /// </summary>
    public bool TryRead(string source, string key, long sinceMs, long untilMs, int limit, out List<HistoryRow> rows)
    {
        Window? window;
        lock (gate)
        {
            windows.TryGetValue((source, key), out window);
        }
        if (window is null || sinceMs < window.Since || untilMs > window.Until)
        {
            rows = [];
            return false;
        }
        Interlocked.Increment(ref hits);
        rows = HistoryRows.Slice(window.Rows, sinceMs, untilMs, limit);
        return true;
    }

    /// <summary>
    /// Where a read of [<paramref name="sinceMs"/>, <paramref name="untilMs"/>] that missed should read to: on past
    /// <paramref name="untilMs"/> by the range's own span, but not to <paramref name="settledBefore"/> (the watermark:
    /// only earlier times are settled). Null when <paramref name="untilMs"/> itself is not settled.
    /// </summary>
    public static long? ReadAheadEnd(long sinceMs, long untilMs, long settledBefore)
    {
        if (untilMs >= settledBefore)
        {
            return null;
        }
        var span = Int128.Clamp((Int128)untilMs - sinceMs, 0, MaxAheadMs);
        return (long)Int128.Min((Int128)settledBefore - 1, untilMs + span);
    }

    /// <summary>Keeps an entity's complete changes over [<paramref name="sinceMs"/>, <paramref name="untilMs"/>] (settled time).</summary>
    public void Keep(string source, string key, long sinceMs, long untilMs, List<HistoryRow> rows)
    {
        if (rows.Count > MaxRowsPerEntity)
        {
            return;
        }
        var size = 0L;
        foreach (var row in rows)
        {
            size += row.Json.Length + 16;
        }
        Interlocked.Increment(ref misses);
        lock (gate)
        {
            if (bytes + size > MaxBytes)
            {
                windows.Clear();
                bytes = 0;
            }
            if (windows.Remove((source, key), out var replaced))
            {
                bytes -= replaced.Bytes;
            }
            windows[(source, key)] = new Window(sinceMs, untilMs, rows, size);
            bytes += size;
        }
    }

    /// <summary>An entity's complete changes with <see cref="Since"/> ≤ time ≤ <see cref="Until"/>, oldest first.</summary>
    private sealed record Window(long Since, long Until, List<HistoryRow> Rows, long Bytes);
}
