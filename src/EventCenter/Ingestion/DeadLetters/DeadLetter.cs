using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.DeadLetters;

/// <summary>A message the platform could not take, kept with the reason and its original bytes.</summary>
/// <param name="Source">The source it was meant for, or null when no source matched.</param>
/// <param name="Position">Where it was read from.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Key">Original transport key bytes.</param>
/// <param name="Value">Original payload bytes.</param>
/// <param name="Headers">Original headers.</param>
/// <param name="RejectedAt">When it was rejected, ms since the Unix epoch.</param>
public sealed record DeadLetter(
    string? Source,
    SourcePosition Position,
    string Reason,
    byte[]? Key,
    byte[] Value,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers,
    long RejectedAt);

/// <summary>Where rejected messages go. Writes are durable when the call completes and idempotent by position.</summary>
public interface IDeadLetterSink
{
    /// <summary>Stores <paramref name="letters"/>.</summary>
    ValueTask WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken = default);
}

/// <summary>Reads dead letters back (API, UI, re-processing).</summary>
public interface IDeadLetterReader
{
    /// <summary>The most recent dead letters of a source (null: messages that matched no source), newest first.</summary>
    IAsyncEnumerable<DeadLetter> RecentAsync(string? source, int limit, CancellationToken cancellationToken = default);
}
