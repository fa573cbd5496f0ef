namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// A data source whose fetch answers for settled history hold over a range of as-of times for as long as the source
/// instance is used (one replay run's settled-state cache): a worker process may keep such an answer and serve later
/// fetches of the same entity inside the range itself instead of asking the host again.
/// </summary>
public interface ISettledFetches
{
    /// <summary>
    /// The object whose lifetime bounds the answers (the same for every batch of one run, so a worker keeps its copies
    /// across batches); null when this instance never answers settled fetches.
    /// </summary>
    object? SettledScope { get; }

    /// <summary>Answers a fetch with the settled state of <paramref name="key"/> as of <paramref name="asOfMs"/>, if this source holds it.</summary>
    /// <param name="source">The source.</param>
    /// <param name="key">The entity.</param>
    /// <param name="asOfMs">The as-of time.</param>
    /// <param name="json">The state (null: the entity did not exist or was deleted then).</param>
    /// <param name="fromMs">First as-of time with this answer.</param>
    /// <param name="untilMs">First as-of time past <paramref name="fromMs"/> without it (exclusive).</param>
    bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs);

    /// <summary>
    /// The as-of range of the settled state of <paramref name="key"/> covering <paramref name="asOfMs"/>, if this source holds
    /// it (e.g. a fetch just read and remembered it); not counted as a fetch.
    /// </summary>
    bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs);
}
