using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// A batch's reads through the event center, with each entity's history read once per batch: the first
/// <c>ctx.history</c> of an entity reads on to the latest time of the batch's events of that entity, and the entity's
/// later events in the batch are answered from those rows. A batch behind a backlog holds several events per busy
/// entity, each reading the same window; one scan then serves them all.
/// </summary>
/// <remarks>
/// Only trigger-strong and eventual reads: every event of a batch is stored before the batch starts (the live trigger
/// waits for the batch's stored position; a replay reads stored events), and the read happens after that, so it holds
/// everything a read of each event at its own moment must see (the repair's read index counts reads from the batch's
/// start). A fetch-strong read waits for the watermark at its own as-of time, so it always reads for itself. An
/// entity with more than <see cref="MaxRowsPerEntity"/> changes in the window is read for each event. Thread-safe.
/// </remarks>
internal sealed class BatchHistoryReads : IFeatureDataSource, ISettledFetches, IAsyncFeatureReads
{
    /// <summary>Most rows of one entity kept for the batch (the SDK's default limit is 1,000); a longer history is read for each event.</summary>
    public const int MaxRowsPerEntity = 10_000;

    private readonly EventCenterDataSource inner;
    private readonly Dictionary<string, long> latestByKey;
    private readonly ConcurrentDictionary<(string Source, string Key), Window> windows = new();

    private BatchHistoryReads(EventCenterDataSource inner, Dictionary<string, long> latestByKey)
    {
        this.inner = inner;
        this.latestByKey = latestByKey;
    }

    /// <summary>The batch's data source: <paramref name="dataSource"/> itself unless it reads the event center and the batch has more than one event.</summary>
    public static IFeatureDataSource For(IFeatureDataSource dataSource, IReadOnlyList<ChangeEvent> events)
    {
        if (events.Count < 2 || dataSource is not EventCenterDataSource eventCenter)
        {
            return dataSource;
        }
        var latest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            latest[e.EntityKey] = latest.TryGetValue(e.EntityKey, out var t) ? Math.Max(t, e.EventTime) : e.EventTime;
        }
        return new BatchHistoryReads(eventCenter, latest);
    }

    private int reads;

    /// <summary>Entity histories read from the event center for this batch.</summary>
    public int Reads => Volatile.Read(ref reads);

    /// <inheritdoc />
    public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        HistoryAsync(source, key, sinceMs, untilMs, limit, consistency).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public bool ReadsAsync => true;

    /// <inheritdoc />
    public async ValueTask<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency)
    {
        if (TryHistoryWithoutWaiting(source, key, sinceMs, untilMs, limit, consistency, out var held))
        {
            return held!;
        }
        if (!Holdable(consistency))
        {
            return await inner.HistoryAsync(source, key, sinceMs, untilMs, limit, consistency);
        }
        var (from, to) = (sinceMs, Math.Max(untilMs, latestByKey.GetValueOrDefault(key, untilMs)));
        if (windows.TryGetValue((source, key), out var before))
        {
            (from, to) = (Math.Min(from, before.Since), Math.Max(to, before.Until));
        }
        Interlocked.Increment(ref reads);
        var rows = await inner.ReadHistoryAsync(source, key, from, to, MaxRowsPerEntity + 1, consistency);
        if (rows.Count > MaxRowsPerEntity)
        {
            // Too long to keep, and cut short: this read's own answer (its limit, its range) is read for itself.
            return await inner.HistoryAsync(source, key, sinceMs, untilMs, limit, consistency);
        }
        windows[(source, key)] = new Window(from, to, rows);
        return HistoryRows.Render(rows, sinceMs, untilMs, limit);
    }

    /// <inheritdoc />
    public bool TryHistoryWithoutWaiting(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency, out string? json)
    {
        if (Holdable(consistency) && windows.TryGetValue((source, key), out var window) && window.Since <= sinceMs && untilMs <= window.Until)
        {
            json = HistoryRows.Render(window.Rows, sinceMs, untilMs, limit);
            return true;
        }
        json = null;
        return false;
    }

    /// <inheritdoc />
    public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => inner.Fetch(source, key, asOfMs, consistency);

    /// <inheritdoc />
    public ValueTask<string?> FetchAsync(string source, string key, long asOfMs, Consistency consistency) => inner.FetchAsync(source, key, asOfMs, consistency);

    /// <inheritdoc />
    public bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json) =>
        inner.TryFetchWithoutWaiting(source, key, asOfMs, consistency, out json);

    /// <inheritdoc />
    public object? SettledScope => inner.SettledScope;

    /// <inheritdoc />
    public bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs) =>
        inner.TryGetSettled(source, key, asOfMs, out json, out fromMs, out untilMs);

    /// <inheritdoc />
    public bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs) =>
        inner.TryGetSettledRange(source, key, asOfMs, out fromMs, out untilMs);

    /// <inheritdoc />
    public ValueTask<SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken) =>
        inner.ReadSettledAsync(source, key, asOfMs, cancellationToken);

    private static bool Holdable(Consistency consistency) => consistency is Consistency.TriggerStrong or Consistency.Eventual;

    /// <summary>An entity's rows with <see cref="Since"/> ≤ time ≤ <see cref="Until"/>, as read for the batch.</summary>
    private sealed record Window(long Since, long Until, List<HistoryRow> Rows);
}
