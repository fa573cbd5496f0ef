using System.Collections.Concurrent;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>One read of a computation: <c>ctx.fetch</c> (as of <see cref="Until"/>) or <c>ctx.history</c> (<see cref="Since"/>..<see cref="Until"/>).</summary>
/// <param name="EventIndex">Which event of the batch the read served (its index in the batch).</param>
/// <param name="Source">The source read.</param>
/// <param name="Key">The entity read.</param>
/// <param name="Since">Earliest event time the read depends on (<see cref="long.MinValue"/> for a fetch: any earlier change may be the state).</param>
/// <param name="Until">Latest event time the read depends on (the as-of time).</param>
public readonly record struct TrackedRead(int EventIndex, string Source, string Key, long Since, long Until);

/// <summary>
/// A batch's data source that notes every read with the event it served (the host tells which, see
/// <see cref="IReadObserver"/>), so a late event can find the computations whose reads it changes.
/// </summary>
public sealed class TrackedReads(IFeatureDataSource inner) : IFeatureDataSource, IReadObserver, ISettledFetches, IAsyncFeatureReads
{
    private readonly ConcurrentQueue<TrackedRead> reads = new();

    /// <summary>The reads so far.</summary>
    public IReadOnlyCollection<TrackedRead> Reads => reads;

    /// <inheritdoc />
    public bool MayBlock => inner.MayBlock;

    /// <inheritdoc />
    public object? SettledScope => (inner as ISettledFetches)?.SettledScope;

    /// <inheritdoc />
    public bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs)
    {
        if (inner is ISettledFetches settled)
        {
            return settled.TryGetSettled(source, key, asOfMs, out json, out fromMs, out untilMs);
        }
        (json, fromMs, untilMs) = (null, 0, 0);
        return false;
    }

    /// <inheritdoc />
    public bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs)
    {
        if (inner is ISettledFetches settled)
        {
            return settled.TryGetSettledRange(source, key, asOfMs, out fromMs, out untilMs);
        }
        (fromMs, untilMs) = (0, 0);
        return false;
    }

    /// <inheritdoc />
    public ValueTask<SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken) =>
        inner is ISettledFetches settled ? settled.ReadSettledAsync(source, key, asOfMs, cancellationToken) : ValueTask.FromResult<SettledRead?>(null);

    /// <inheritdoc />
    public void Observed(int eventIndex, ReadKind kind, string source, string key, long sinceMs, long untilMs) =>
        reads.Enqueue(new TrackedRead(eventIndex, source, key, kind == ReadKind.Fetch ? long.MinValue : sinceMs, untilMs));

    /// <inheritdoc />
    public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => inner.Fetch(source, key, asOfMs, consistency);

    /// <inheritdoc />
    public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        inner.History(source, key, sinceMs, untilMs, limit, consistency);

    /// <inheritdoc />
    public bool ReadsAsync => inner is IAsyncFeatureReads { ReadsAsync: true };

    /// <inheritdoc />
    public ValueTask<string?> FetchAsync(string source, string key, long asOfMs, Consistency consistency) =>
        inner is IAsyncFeatureReads reads ? reads.FetchAsync(source, key, asOfMs, consistency) : ValueTask.FromResult(inner.Fetch(source, key, asOfMs, consistency));

    /// <inheritdoc />
    public ValueTask<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        inner is IAsyncFeatureReads reads ? reads.HistoryAsync(source, key, sinceMs, untilMs, limit, consistency)
            : ValueTask.FromResult(inner.History(source, key, sinceMs, untilMs, limit, consistency));

    /// <inheritdoc />
    public bool TryHistoryWithoutWaiting(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency, out string? json) =>
        inner.TryHistoryWithoutWaiting(source, key, sinceMs, untilMs, limit, consistency, out json);

    /// <inheritdoc />
    public bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json) =>
        inner.TryFetchWithoutWaiting(source, key, asOfMs, consistency, out json);
}
