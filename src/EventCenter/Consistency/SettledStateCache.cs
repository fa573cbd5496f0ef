using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>
/// Point-in-time fetches of settled history answered from memory. Everything with an event time below a source's
/// event-time watermark is stored, so the state of an entity as of T &lt; watermark, read together with the time of the
/// entity's next change after T, is the answer for every as-of time from that state's event time up to the earlier of
/// the next change and the watermark — no event arriving later can fall inside. A replay walks settled history in time
/// order and fetches the same entities again and again: most of its fetches become dictionary look-ups.
/// </summary>
/// <remarks>
/// Meant for the lifetime of one run (a replay's snapshot of history): events stored late below the watermark, or
/// corrections written into the past, are seen by the next run. Bounded: when <see cref="Capacity"/> entries are held
/// the cache starts over. Thread-safe.
/// </remarks>
public sealed class SettledStateCache(IEventReader events, IWatermarkStore watermarks, int capacity = SettledStateCache.DefaultCapacity)
{
    /// <summary>Entries held by default before the cache starts over.</summary>
    public const int DefaultCapacity = 100_000;

    /// <summary>How stale the remembered watermark of a source may be before a fetch at or above it reads it again.</summary>
    private const long WatermarkRefreshMs = 50;

    private readonly Lock gate = new();
    private readonly Dictionary<(string Source, string Key), Entry> entries = [];
    private readonly Dictionary<string, (long Watermark, long ReadAt)> sourceWatermarks = new(StringComparer.Ordinal);
    private long hits;
    private long misses;

    /// <summary>Entries held before the cache starts over.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "capacity must be positive");

    /// <summary>Fetches answered from memory.</summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>Fetches that read the event center.</summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <summary>The remembered state of <paramref name="entityKey"/> as of <paramref name="asOf"/>, if it is settled and held.</summary>
    /// <param name="source">The source.</param>
    /// <param name="entityKey">The entity.</param>
    /// <param name="asOf">The as-of time (ms).</param>
    /// <param name="json">The state's row (null: the entity did not exist or was deleted then).</param>
    public bool TryGet(string source, string entityKey, long asOf, out byte[]? json) => TryGet(source, entityKey, asOf, out json, out _, out _);

    /// <summary>
    /// As <see cref="TryGet(string, string, long, out byte[])"/>, with the as-of range [<paramref name="from"/>,
    /// <paramref name="until"/>) over which the same state is the answer (settled: it holds for the rest of the run).
    /// </summary>
    public bool TryGet(string source, string entityKey, long asOf, out byte[]? json, out long from, out long until)
    {
        lock (gate)
        {
            if (entries.TryGetValue((source, entityKey), out var entry) && entry.From <= asOf && asOf < entry.Until)
            {
                (json, from, until) = (entry.Json, entry.From, entry.Until);
                Interlocked.Increment(ref hits);
                return true;
            }
        }
        (json, from, until) = (null, 0, 0);
        return false;
    }

    /// <summary>
    /// The state as of <paramref name="asOf"/> when it is settled (below the source's watermark): read from the event
    /// center and remembered. Null when it is not settled: the caller fetches it with its consistency level.
    /// </summary>
    public async ValueTask<FetchedState?> FetchSettledAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken = default) =>
        await ReadSettledAsync(source, entityKey, asOf, cancellationToken) is { } settled
            ? new FetchedState(settled.Json, settled.Json is null ? null : settled.EventTime, FetchOrigin.EventCenter)
            : null;

    /// <summary>
    /// As <see cref="FetchSettledAsync"/>, with the as-of range [<see cref="SettledState.From"/>, <see cref="SettledState.Until"/>)
    /// the state holds for (what <see cref="TryGet(string, string, long, out byte[], out long, out long)"/> answers from now on).
    /// </summary>
    public async ValueTask<SettledState?> ReadSettledAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken = default)
    {
        var watermark = await WatermarkAsync(source, asOf, cancellationToken);
        if (asOf >= watermark)
        {
            return null;
        }
        Interlocked.Increment(ref misses);
        var (latest, next) = await events.GetLatestAndNextAsync(source, entityKey, asOf, watermark, cancellationToken);
        var json = latest is null || latest.IsDelete ? null : latest.After;
        var entry = new Entry(json, latest?.EventTime ?? long.MinValue, next ?? watermark);
        lock (gate)
        {
            if (entries.Count >= Capacity)
            {
                entries.Clear();
            }
            entries[(source, entityKey)] = entry;
        }
        return new SettledState(json, latest?.EventTime ?? long.MinValue, entry.From, entry.Until);
    }

    /// <summary>
    /// The exclusive bound of <paramref name="source"/>'s settled time as this run knows it (its event-time watermark):
    /// every event with an earlier time is stored. Re-read when <paramref name="time"/> reaches the remembered bound and
    /// that was read more than a moment ago.
    /// </summary>
    public ValueTask<long> SettledBeforeAsync(string source, long time, CancellationToken cancellationToken = default) =>
        WatermarkAsync(source, time, cancellationToken);

    /// <summary>The source's event-time watermark (exclusive bound of settled time); re-read when a fetch reaches it.</summary>
    private async ValueTask<long> WatermarkAsync(string source, long asOf, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64; // monotonic: only the age of the remembered value matters
        lock (gate)
        {
            if (sourceWatermarks.TryGetValue(source, out var known) && (asOf < known.Watermark || now - known.ReadAt < WatermarkRefreshMs))
            {
                return known.Watermark;
            }
        }
        // Events at the watermark itself may still arrive on another partition: only times below it are settled.
        var watermark = await watermarks.GetEventTimeAsync(source, cancellationToken) ?? long.MinValue;
        lock (gate)
        {
            sourceWatermarks[source] = (watermark, now);
        }
        return watermark;
    }

    private sealed record Entry(byte[]? Json, long From, long Until);
}

/// <summary>A settled state of an entity and the as-of range it is the answer for.</summary>
/// <param name="Json">The state's row (null: the entity did not exist or was deleted then).</param>
/// <param name="EventTime">The event time of the entity's last change at or before the as-of time (<see cref="long.MinValue"/>: none).</param>
/// <param name="From">First as-of time with this state.</param>
/// <param name="Until">First as-of time past <paramref name="From"/> without it (exclusive).</param>
public sealed record SettledState(byte[]? Json, long EventTime, long From, long Until);
