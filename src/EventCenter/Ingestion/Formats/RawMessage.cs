using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>A message as received from a transport, before parsing.</summary>
/// <param name="Position">Where it was read from.</param>
/// <param name="Key">Transport key, if any.</param>
/// <param name="Value">Payload bytes (may be empty: e.g. Kafka tombstones).</param>
/// <param name="TimestampMs">Transport timestamp, ms since the Unix epoch.</param>
/// <param name="Headers">Transport headers.</param>
public sealed record RawMessage(
    SourcePosition Position,
    byte[]? Key,
    byte[] Value,
    long TimestampMs,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers);

/// <summary>The outcome of parsing one message: zero or more events, or why it was rejected.</summary>
public sealed record ParseResult
{
    private ParseResult(IReadOnlyList<ChangeEvent> events, string? error)
    {
        Events = events;
        Error = error;
    }

    /// <summary>Events parsed (empty for messages that carry none, e.g. tombstones or DDL).</summary>
    public IReadOnlyList<ChangeEvent> Events { get; }

    /// <summary>Why the message was rejected; null on success.</summary>
    public string? Error { get; }

    /// <summary>True when the message was rejected and must be dead-lettered.</summary>
    public bool IsRejected => Error is not null;

    /// <summary>A successful parse.</summary>
    public static ParseResult Of(IReadOnlyList<ChangeEvent> events) => new(events, null);

    /// <summary>A rejected message.</summary>
    public static ParseResult Reject(string reason) => new([], reason);
}
