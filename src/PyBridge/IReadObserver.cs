namespace FeaturePlatform.PyBridge;

/// <summary>A kind of read a job makes.</summary>
public enum ReadKind
{
    /// <summary><c>ctx.fetch</c>: the state as of a time.</summary>
    Fetch,

    /// <summary><c>ctx.history</c>: the changes in a time range.</summary>
    History,
}

/// <summary>
/// Implemented by a data source that wants to know which event of an invocation each read serves (read tracking for
/// late-data repair). The host calls <see cref="Observed"/> before the read, on the thread running the logic.
/// </summary>
public interface IReadObserver
{
    /// <summary>
    /// The logic running event <paramref name="eventIndex"/> (its index in the events given to the invocation) reads
    /// <paramref name="key"/> of <paramref name="source"/>: as of <paramref name="untilMs"/> (fetch), or its changes in
    /// <paramref name="sinceMs"/>..<paramref name="untilMs"/> (history).
    /// </summary>
    void Observed(int eventIndex, ReadKind kind, string source, string key, long sinceMs, long untilMs);
}
