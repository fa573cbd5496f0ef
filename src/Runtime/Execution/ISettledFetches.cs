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

    /// <summary>
    /// The settled state of <paramref name="key"/> as of <paramref name="asOfMs"/> with its as-of range, read from the event
    /// center when this source does not hold it yet (and held from then on); null when it is not settled (at or past the
    /// watermark) or this instance answers no settled fetches. Not a read of the logic: it is neither counted nor tracked.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="key">The entity.</param>
    /// <param name="asOfMs">The as-of time.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    ValueTask<SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken);
}

/// <summary>A settled fetch answer and the as-of range [<paramref name="FromMs"/>, <paramref name="UntilMs"/>) it holds for.</summary>
/// <param name="Json">The state (null: the entity did not exist or was deleted then).</param>
/// <param name="FromMs">First as-of time with this answer.</param>
/// <param name="UntilMs">First as-of time past <paramref name="FromMs"/> without it (exclusive).</param>
public sealed record SettledRead(string? Json, long FromMs, long UntilMs);
