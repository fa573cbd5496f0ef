using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.DeadLetters;

/// <summary>A message the platform could not take as it is, kept with the reason and its original bytes.</summary>
/// <param name="Source">The source it was meant for, or null when no source matched.</param>
/// <param name="Position">Where it was read from.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Key">Original transport key bytes.</param>
/// <param name="Value">Original payload bytes.</param>
/// <param name="Headers">Original headers.</param>
/// <param name="RejectedAt">When it was rejected, ms since the Unix epoch.</param>
/// <param name="Kind">What kind of record it is. Default: <see cref="DeadLetterKind.Malformed"/>.</param>
/// <param name="Conflict">For <see cref="DeadLetterKind.Conflict"/>: both versions of the change. Default: none.</param>
public sealed record DeadLetter(
    string? Source,
    SourcePosition Position,
    string Reason,
    byte[]? Key,
    byte[] Value,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers,
    long RejectedAt,
    DeadLetterKind Kind = DeadLetterKind.Malformed,
    EventConflict? Conflict = null);

/// <summary>Why a message is in the dead-letter store.</summary>
public enum DeadLetterKind
{
    /// <summary>It could not be read as its source's format (or matched no source).</summary>
    Malformed,

    /// <summary>Its event id is held by a different stored change: kept here with both versions, not stored as an event.</summary>
    Conflict,

    /// <summary>It could never be delivered or stored (too large, refused by the bus for good).</summary>
    Undeliverable,
}

/// <summary>The two versions of a change that share one (source, event id).</summary>
/// <param name="EventId">The contested event id.</param>
/// <param name="Stored">The version stored first, which stays (UTF-8 JSON, see <see cref="EventJsonCodec"/>).</param>
/// <param name="Incoming">The version that arrived later and was not stored (UTF-8 JSON).</param>
public sealed record EventConflict(string EventId, byte[] Stored, byte[] Incoming);

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

    /// <summary>The most recent dead letters of every source (and of none), newest first.</summary>
    IAsyncEnumerable<DeadLetter> RecentOfAllAsync(int limit, CancellationToken cancellationToken = default);
}
