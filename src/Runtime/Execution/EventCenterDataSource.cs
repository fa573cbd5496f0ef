using System.Buffers;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// Serves the logic's <c>ctx.fetch</c> and <c>ctx.history</c> from the event center, with the requested
/// consistency level. The same data source serves live, replay and call runs, so fetches behave identically in all.
/// </summary>
/// <remarks>
/// PyBridge calls these synchronously on its own worker threads (the Python logic is waiting for the answer); the
/// event-center reads are asynchronous, so they are awaited to completion here. Those threads are not thread-pool
/// threads, so the blocking holds no pool thread hostage.
/// </remarks>
/// <param name="events">The event center.</param>
/// <param name="fetcher">Fetches with a consistency level.</param>
/// <param name="fetchTimeout">How long a fetch-strong read waits for the watermark.</param>
/// <param name="runCache">
/// Makes the settled-state cache of one run (<see cref="ForRun"/>); null: runs fetch without one. Live runs share the
/// plain source: their fetches are at the watermark's edge, where nothing is settled yet.
/// </param>
public sealed class EventCenterDataSource(IEventReader events, ConsistentFetcher fetcher, TimeSpan fetchTimeout, Func<SettledStateCache>? runCache = null)
    : IFeatureDataSource, IRunScopedDataSource, ISettledFetches, IAsyncFeatureReads
{
    private readonly SettledStateCache? cache;
    private readonly SettledHistories? settledHistories;
    private long fetches;
    private long histories;

    private EventCenterDataSource(IEventReader events, ConsistentFetcher fetcher, TimeSpan fetchTimeout, SettledStateCache cache)
        : this(events, fetcher, fetchTimeout)
    {
        this.cache = cache;
        settledHistories = new SettledHistories();
    }

    /// <summary>A data source whose replay runs each keep a settled-state cache of <paramref name="entries"/> entries (0: none).</summary>
    public static EventCenterDataSource Create(IEventReader events, ConsistentFetcher fetcher, IWatermarkStore watermarks, TimeSpan fetchTimeout, int entries) =>
        new(events, fetcher, fetchTimeout, entries > 0 ? () => new SettledStateCache(events, watermarks, entries) : null);

    /// <summary>The settled-state cache of this run's data source, if it has one.</summary>
    public SettledStateCache? Cache => cache;

    /// <summary>This run's history reads of settled time held in memory (with the settled-state cache), if any.</summary>
    internal SettledHistories? SettledHistories => settledHistories;

    /// <summary>A data source for one replay run: the same reads, plus a fresh settled-state cache when configured.</summary>
    public IFeatureDataSource ForRun() => runCache is null ? this : new EventCenterDataSource(events, fetcher, fetchTimeout, runCache());

    /// <inheritdoc />
    public bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json)
    {
        // A settled state satisfies every consistency level: the watermark is already past it.
        if (cache is not null && cache.TryGet(source, key, asOfMs, out var row))
        {
            Interlocked.Increment(ref fetches);
            json = row is null ? null : Encoding.UTF8.GetString(row);
            return true;
        }
        json = null;
        return false;
    }

    /// <inheritdoc />
    public object? SettledScope => cache;

    /// <inheritdoc />
    public bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs)
    {
        if (cache is not null && cache.TryGet(source, key, asOfMs, out var row, out fromMs, out untilMs))
        {
            Interlocked.Increment(ref fetches);
            json = row is null ? null : Encoding.UTF8.GetString(row);
            return true;
        }
        (json, fromMs, untilMs) = (null, 0, 0);
        return false;
    }

    /// <inheritdoc />
    public bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs)
    {
        if (cache is not null && cache.TryGet(source, key, asOfMs, out _, out fromMs, out untilMs))
        {
            return true;
        }
        (fromMs, untilMs) = (0, 0);
        return false;
    }

    /// <inheritdoc />
    public async ValueTask<SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken)
    {
        if (cache is null || await cache.ReadSettledAsync(source, key, asOfMs, cancellationToken) is not { } state)
        {
            return null;
        }
        return new SettledRead(state.Json is null ? null : Encoding.UTF8.GetString(state.Json), state.From, state.Until);
    }

    /// <summary>Fetches served.</summary>
    public long Fetches => Interlocked.Read(ref fetches);

    /// <summary>History reads served.</summary>
    public long Histories => Interlocked.Read(ref histories);

    /// <inheritdoc />
    public string? Fetch(string source, string key, long asOfMs, Consistency consistency) =>
        FetchAsync(source, key, asOfMs, consistency).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public bool ReadsAsync => true;

    /// <inheritdoc />
    public async ValueTask<string?> FetchAsync(string source, string key, long asOfMs, Consistency consistency)
    {
        if (TryFetchWithoutWaiting(source, key, asOfMs, consistency, out var cached))
        {
            return cached;
        }
        Interlocked.Increment(ref fetches);
        var state = await FetchStateAsync(source, key, asOfMs, consistency);
        return state.Json is null ? null : Encoding.UTF8.GetString(state.Json);
    }

    private async ValueTask<FetchedState> FetchStateAsync(string source, string key, long asOfMs, Consistency consistency) =>
        (cache is null ? null : await cache.FetchSettledAsync(source, key, asOfMs))
        ?? await fetcher.FetchAsync(source, key, asOfMs, ToLevel(consistency), fetchTimeout);

    /// <inheritdoc />
    public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        HistoryAsync(source, key, sinceMs, untilMs, limit, consistency).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        HistoryRows.Render(await ReadHistoryAsync(source, key, sinceMs, untilMs, limit, consistency), sinceMs, untilMs, limit);

    /// <summary>
    /// The entity's changes with <paramref name="sinceMs"/> ≤ time ≤ <paramref name="untilMs"/>, oldest first, each
    /// rendered as the logic gets it, read with <paramref name="consistency"/> as of <paramref name="untilMs"/>; the
    /// first <paramref name="limit"/> only when it is positive.
    /// </summary>
    internal async Task<List<HistoryRow>> ReadHistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency)
    {
        Interlocked.Increment(ref histories);
        if (settledHistories is not null && cache is not null)
        {
            // A run's read of settled time (any level: the watermark is past it) is answered from a window held, or reads
            // one that reaches on past it for the entity's next events in the run.
            if (settledHistories.TryRead(source, key, sinceMs, untilMs, limit, out var held))
            {
                return held;
            }
            if (SettledHistories.ReadAheadEnd(sinceMs, untilMs, await cache.SettledBeforeAsync(source, untilMs)) is { } end)
            {
                var window = await ReadRangeAsync(source, key, sinceMs, end, SettledHistories.MaxRowsPerEntity + 1);
                if (window.Count <= SettledHistories.MaxRowsPerEntity)
                {
                    settledHistories.Keep(source, key, sinceMs, end, window);
                    return HistoryRows.Slice(window, sinceMs, untilMs, limit);
                }
                // Too many changes to keep. What was read (the oldest of the range read) still answers this read when it
                // reaches past its end, or holds its first `limit` changes.
                var answer = HistoryRows.Slice(window, sinceMs, untilMs, limit);
                if (window[^1].Time > untilMs || (limit > 0 && answer.Count == limit))
                {
                    return answer;
                }
            }
        }
        // The same level as a fetch as of untilMs: a range read must not miss what a point read would wait for.
        await fetcher.WaitUntilReadableAsync(source, untilMs, ToLevel(consistency), fetchTimeout);
        return await ReadRangeAsync(source, key, sinceMs, untilMs, limit);
    }

    /// <summary>The entity's changes with <paramref name="sinceMs"/> ≤ time ≤ <paramref name="untilMs"/> as stored now, oldest first.</summary>
    private async Task<List<HistoryRow>> ReadRangeAsync(string source, string key, long sinceMs, long untilMs, int limit)
    {
        var rows = new List<HistoryRow>();
        // The SDK's range is inclusive at both ends; the event center's is [from, to).
        var to = untilMs == long.MaxValue ? long.MaxValue : untilMs + 1;
        await foreach (var e in events.GetHistoryAsync(source, key, sinceMs, to))
        {
            rows.Add(new HistoryRow(e.EventTime, RenderChange(e)));
            if (rows.Count == limit)
            {
                break;
            }
        }
        return rows;
    }

    /// <summary>One change as the logic gets it: <c>{"time_ms": …, "op": …, "data": {…}}</c>.</summary>
    private static byte[] RenderChange(ChangeEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("time_ms", e.EventTime);
            json.WriteString("op", JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Operation.ToString()));
            json.WritePropertyName("data");
            WriteImage(json, e.After ?? e.Before);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteImage(Utf8JsonWriter json, byte[]? image)
    {
        if (image is null)
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(image);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                document.RootElement.WriteTo(json);
                return;
            }
        }
        catch (JsonException)
        {
        }
        // Logic always gets a dict: a non-object image is wrapped.
        json.WriteStartObject();
        json.WriteString("value", Encoding.UTF8.GetString(image));
        json.WriteEndObject();
    }

    /// <summary>The event center's level for the SDK's.</summary>
    public static ConsistencyLevel ToLevel(Consistency consistency) => consistency switch
    {
        Consistency.TriggerStrong => ConsistencyLevel.TriggerStrong,
        Consistency.FetchStrong => ConsistencyLevel.FetchStrong,
        Consistency.FetchStrongNoDelay => ConsistencyLevel.FetchStrongNoDelay,
        _ => ConsistencyLevel.Eventual,
    };
}
