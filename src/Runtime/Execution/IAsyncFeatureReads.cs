using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// A data source that also serves reads without holding a thread while the event center answers. A worker process's
/// reads are served with these when <see cref="ReadsAsync"/> is true, instead of on a read thread that blocks on the
/// asynchronous read: such a thread spin-waits before it sleeps, and on a worker host pinned to one core that spinning
/// (sched_yield) was 7 % of the host's CPU samples in a live run (perf, cluster-scaleout).
/// </summary>
public interface IAsyncFeatureReads
{
    /// <summary>Whether <see cref="FetchAsync"/> and <see cref="HistoryAsync"/> read without blocking (false: a wrapper around a source that does not).</summary>
    bool ReadsAsync { get; }

    /// <summary><see cref="IFeatureDataSource.Fetch"/>, asynchronously.</summary>
    ValueTask<string?> FetchAsync(string source, string key, long asOfMs, Consistency consistency);

    /// <summary><see cref="IFeatureDataSource.History"/>, asynchronously.</summary>
    ValueTask<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency);
}
