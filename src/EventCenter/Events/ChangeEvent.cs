namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// One change event of one entity of one source, as the event center stores it.
/// </summary>
/// <remarks>
/// Images are raw UTF-8 JSON documents rather than column maps: CDC rows arrive as JSON (Debezium-style
/// envelopes) and messages are JSON bodies, so storing the bytes as received needs no parse/re-encode on the
/// ingest path, keeps nested values and exact number text, needs no schema for messages, and is what the
/// Python logic parses anyway. The event center never interprets image contents.
/// Two events are equal when every field, including image bytes and headers, is equal.
/// </remarks>
public sealed record ChangeEvent
{
    /// <summary>Registered source name, e.g. "loans_db.orders" or "credit-requests".</summary>
    public required string Source { get; init; }

    /// <summary>The entity's key inside the source (primary key, message key), as text.</summary>
    public required string EntityKey { get; init; }

    /// <summary>What happened.</summary>
    public required EventOperation Operation { get; init; }

    /// <summary>When it happened at the source, in ms since the Unix epoch (commit time, message time).</summary>
    public required long EventTime { get; init; }

    /// <summary>When the event center received it, in ms since the Unix epoch.</summary>
    public required long IngestTime { get; init; }

    /// <summary>Where it was read from; orders same-time events of an entity.</summary>
    public required SourcePosition Position { get; init; }

    /// <summary>
    /// Identity of the event inside its source: the source's own id (message id, request id) or, when it has
    /// none, <see cref="EventIds.FromPosition"/>. Writes are idempotent by (source, event id).
    /// </summary>
    public required string EventId { get; init; }

    /// <summary>The entity before the change (UTF-8 JSON), or null.</summary>
    public byte[]? Before { get; init; }

    /// <summary>The entity after the change or the message body (UTF-8 JSON), or null (e.g. for deletes).</summary>
    public byte[]? After { get; init; }

    /// <summary>Transport headers (binary header values are carried base64-encoded by the parser). Default: none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyHeaders;

    /// <summary>True when this event makes the entity absent.</summary>
    public bool IsDelete => Operation == EventOperation.Delete;

    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();

    /// <inheritdoc />
    public bool Equals(ChangeEvent? other) =>
        other is not null
        && Source == other.Source && EntityKey == other.EntityKey && Operation == other.Operation
        && EventTime == other.EventTime && IngestTime == other.IngestTime && Position == other.Position
        && EventId == other.EventId && BytesEqual(Before, other.Before) && BytesEqual(After, other.After)
        && HeadersEqual(Headers, other.Headers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Source, EntityKey, EventTime, Position, EventId);

    private static bool BytesEqual(byte[]? a, byte[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static bool HeadersEqual(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
