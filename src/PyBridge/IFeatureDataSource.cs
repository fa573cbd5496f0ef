namespace FeaturePlatform.PyBridge;

/// <summary>
/// Serves a job's <c>ctx.fetch</c> and <c>ctx.history</c>. The caller (the Runtime) adapts the event center to
/// this; PyBridge knows nothing of where the data lives.
/// </summary>
/// <remarks>
/// Called synchronously on the host's worker thread that runs the logic, with the GIL released (other Python
/// calls proceed meanwhile). The worker threads are the host's own, so blocking here blocks no thread-pool
/// thread. Time spent here (a consistency wait, I/O) does not count towards the call's CPU timeout: the data source
/// bounds its own waits and fails with an error naming what it waited for. An exception thrown here is raised in the logic
/// as <c>featureplatform.DataSourceError</c> and, if uncaught, becomes the call's
/// <see cref="PythonJobException"/> with this exception as its inner exception.
/// </remarks>
public interface IFeatureDataSource
{
    /// <summary>The state of entity <paramref name="key"/> of <paramref name="source"/> as of <paramref name="asOfMs"/>.</summary>
    /// <returns>The state as a JSON object, or null when the entity did not exist at that time.</returns>
    string? Fetch(string source, string key, long asOfMs, Consistency consistency);

    /// <summary>
    /// The entity's changes with <c>sinceMs ≤ time ≤ untilMs</c>, oldest first, at most <paramref name="limit"/>, read
    /// with <paramref name="consistency"/> as of <paramref name="untilMs"/> (fetch-strong waits until the source's
    /// watermark reaches it, as a fetch does).
    /// </summary>
    /// <returns>A JSON array of <c>{"time_ms": …, "data": {…}}</c> objects.</returns>
    string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency);

    /// <summary>
    /// Answers a fetch at once when it can (e.g. from memory) without waiting; the host tries this with the GIL held
    /// before it releases the GIL for <see cref="Fetch"/>. The default answers nothing.
    /// </summary>
    /// <returns>True with <paramref name="json"/> (null: no entity) when answered; false when <see cref="Fetch"/> must run.</returns>
    bool TryFetchWithoutWaiting(string source, string key, long asOfMs, Consistency consistency, out string? json)
    {
        json = null;
        return false;
    }

    /// <summary>
    /// Answers a history read at once when it can (e.g. from what an earlier read of the batch brought) without waiting;
    /// tried before <see cref="History"/> like <see cref="TryFetchWithoutWaiting"/>. The default answers nothing.
    /// </summary>
    /// <returns>True with <paramref name="json"/> (as <see cref="History"/> returns it) when answered; false when <see cref="History"/> must run.</returns>
    bool TryHistoryWithoutWaiting(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency, out string? json)
    {
        json = null;
        return false;
    }

    /// <summary>
    /// True (the default) when a read may wait (I/O, consistency waits): the host then releases the GIL around it
    /// so other Python calls proceed. An in-memory source returns false and saves two GIL hand-offs per read.
    /// </summary>
    bool MayBlock => true;
}
