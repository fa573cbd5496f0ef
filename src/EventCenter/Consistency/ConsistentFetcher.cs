using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>
/// Point-in-time fetches with a consistency level: eventual reads what is stored; fetch-strong first waits for the
/// source's event-time watermark to reach the as-of time T; fetch-strong no-delay, when the watermark is behind,
/// reads the entity's row from the source database and, if it changed at or before T, stores it as an event of
/// the source (<see cref="NoDelayReader"/>) and answers from the event center without waiting — the answer a replay
/// gives. Otherwise (row changed after T, absent, no time column, T in the future, no database configured) it
/// waits for the watermark like fetch-strong: never the row's newer state (no look-ahead).
/// </summary>
/// <param name="events">The event center.</param>
/// <param name="waiter">Watermark waits.</param>
/// <param name="sources">Registered sources (their mirrored tables).</param>
/// <param name="databases">Source databases by connection name; none: no-delay reads wait like fetch-strong.</param>
/// <param name="writer">Where no-delay reads store rows; default: <paramref name="events"/> when it is a writer.</param>
/// <param name="clock">Time source (no-delay reads of a future as-of time wait). Default: system.</param>
public sealed class ConsistentFetcher(
    IEventReader events,
    ConsistencyWaiter waiter,
    SourceRegistry sources,
    IReadOnlyDictionary<string, ISourceDatabase>? databases = null,
    IEventWriter? writer = null,
    TimeProvider? clock = null)
{
    private readonly IReadOnlyDictionary<string, ISourceDatabase> databases = databases ?? new Dictionary<string, ISourceDatabase>();
    private readonly NoDelayReader? noDelay = (writer ?? events as IEventWriter) is { } w ? new NoDelayReader(events, w, clock ?? TimeProvider.System) : null;
    private long sourceDatabaseReads;
    private long noDelayWaits;

    /// <summary>No-delay fetches answered without waiting after reading the source database.</summary>
    public long SourceDatabaseReads => Interlocked.Read(ref sourceDatabaseReads);

    /// <summary>No-delay fetches whose watermark was behind and that had to wait (see <see cref="NoDelayOutcome"/>).</summary>
    public long NoDelayWaits => Interlocked.Read(ref noDelayWaits);

    /// <summary>
    /// Waits until a read of <paramref name="source"/> as of <paramref name="asOf"/> may go ahead at <paramref name="level"/>:
    /// fetch-strong (and no-delay, which has no source-database answer for a range read) waits until the source's
    /// event-time watermark reaches <paramref name="asOf"/>; eventual and trigger-strong go ahead at once.
    /// </summary>
    /// <exception cref="ConsistencyTimeoutException">The watermark did not reach <paramref name="asOf"/> in time.</exception>
    public ValueTask WaitUntilReadableAsync(string source, long asOf, ConsistencyLevel level, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        level is ConsistencyLevel.FetchStrong or ConsistencyLevel.FetchStrongNoDelay
            ? waiter.WaitForEventTimeAsync(source, asOf, timeout, cancellationToken)
            : ValueTask.CompletedTask;

    /// <summary>The state of <paramref name="entityKey"/> in <paramref name="source"/> as of <paramref name="asOf"/> (ms).</summary>
    /// <exception cref="ConsistencyTimeoutException">Fetch-strong: the watermark did not reach <paramref name="asOf"/> in time.</exception>
    public async ValueTask<FetchedState> FetchAsync(string source, string entityKey, long asOf, ConsistencyLevel level, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        switch (level)
        {
            case ConsistencyLevel.FetchStrong:
                await waiter.WaitForEventTimeAsync(source, asOf, timeout, cancellationToken);
                break;
            case ConsistencyLevel.FetchStrongNoDelay when !await waiter.IsEventTimeReachedAsync(source, asOf, cancellationToken):
                if (await CompleteFromDatabaseAsync(source, entityKey, asOf, cancellationToken))
                {
                    Interlocked.Increment(ref sourceDatabaseReads);
                    var completed = await events.GetStateAsync(source, entityKey, asOf, cancellationToken);
                    return new FetchedState(completed?.After, completed?.EventTime, FetchOrigin.SourceDatabase);
                }
                Interlocked.Increment(ref noDelayWaits);
                await waiter.WaitForEventTimeAsync(source, asOf, timeout, cancellationToken);
                break;
        }
        var state = await events.GetStateAsync(source, entityKey, asOf, cancellationToken);
        return new FetchedState(state?.After, state?.EventTime, FetchOrigin.EventCenter);
    }

    private async Task<bool> CompleteFromDatabaseAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken)
    {
        if (noDelay is null || sources.Find(source) is not { Mirror: { } table } definition || !databases.TryGetValue(table.Connection, out var database))
        {
            return false;
        }
        return await noDelay.CompleteAsync(definition, database, entityKey, asOf, cancellationToken) is NoDelayOutcome.Stored or NoDelayOutcome.AlreadyStored;
    }
}

/// <summary>Where a fetched state came from.</summary>
public enum FetchOrigin
{
    /// <summary>The event center.</summary>
    EventCenter,

    /// <summary>
    /// A no-delay fetch while the watermark was behind: the entity's row was read from the source database and stored
    /// as an event (or was already stored); the state itself is read back from the event center.
    /// </summary>
    SourceDatabase,
}

/// <summary>A fetched state: the entity's row as JSON (null when absent), its event time, and its origin.</summary>
public sealed record FetchedState(byte[]? Json, long? EventTime, FetchOrigin Origin);
