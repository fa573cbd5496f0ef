using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.Tables;

namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>
/// Point-in-time fetches with a consistency level: eventual reads what is stored; fetch-strong first waits for the
/// source's event-time watermark to reach the as-of time; fetch-strong no-delay, when the watermark is behind,
/// answers from the source database instead of waiting (the row's current state, the freshest there is).
/// </summary>
public sealed class ConsistentFetcher(
    IEventReader events,
    ConsistencyWaiter waiter,
    SourceRegistry sources,
    IReadOnlyDictionary<string, ISourceDatabase>? databases = null)
{
    private readonly IReadOnlyDictionary<string, ISourceDatabase> databases = databases ?? new Dictionary<string, ISourceDatabase>();
    private long sourceDatabaseReads;

    /// <summary>Fetches answered from a source database (no-delay fetches whose watermark was behind).</summary>
    public long SourceDatabaseReads => Interlocked.Read(ref sourceDatabaseReads);

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
                if (sources.Find(source)?.Mirror is { } table && databases.TryGetValue(table.Connection, out var database))
                {
                    Interlocked.Increment(ref sourceDatabaseReads);
                    var row = await database.ReadRowAsync(table, entityKey, cancellationToken);
                    return new FetchedState(row?.Json, row?.ChangedAt, FetchOrigin.SourceDatabase);
                }
                // No database to read from: the freshest answer left is the wait.
                await waiter.WaitForEventTimeAsync(source, asOf, timeout, cancellationToken);
                break;
        }
        var state = await events.GetStateAsync(source, entityKey, asOf, cancellationToken);
        return new FetchedState(state?.After, state?.EventTime, FetchOrigin.EventCenter);
    }
}

/// <summary>Where a fetched state came from.</summary>
public enum FetchOrigin
{
    /// <summary>The event center.</summary>
    EventCenter,

    /// <summary>The source database (no-delay fetch while the watermark was behind).</summary>
    SourceDatabase,
}

/// <summary>A fetched state: the entity's row as JSON (null when absent), its event time, and its origin.</summary>
public sealed record FetchedState(byte[]? Json, long? EventTime, FetchOrigin Origin);
