using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// The outcome of parsing one message: events, a recognised housekeeping message of the format (DDL, heartbeat,
/// tombstone, …) that carries no events, or why the message was rejected.
/// </summary>
public sealed record ParseResult
{
    private ParseResult(IReadOnlyList<ChangeEvent> events, string? error, HousekeepingMessage? housekeeping)
    {
        Events = events;
        Error = error;
        HousekeepingMessage = housekeeping;
    }

    /// <summary>Events parsed (empty for rejected and housekeeping messages).</summary>
    public IReadOnlyList<ChangeEvent> Events { get; }

    /// <summary>Why the message was rejected; null on success.</summary>
    public string? Error { get; }

    /// <summary>What the message was when it is a housekeeping message of its format; otherwise null.</summary>
    public HousekeepingMessage? HousekeepingMessage { get; }

    /// <summary>True when the message was rejected and must be dead-lettered.</summary>
    public bool IsRejected => Error is not null;

    /// <summary>True when the message is a recognised housekeeping message (no events, not an error).</summary>
    public bool IsHousekeeping => HousekeepingMessage is not null;

    /// <summary>A successful parse.</summary>
    public static ParseResult Of(IReadOnlyList<ChangeEvent> events) => new(events, null, null);

    /// <summary>A rejected message.</summary>
    public static ParseResult Reject(string reason) => new([], reason, null);

    /// <summary>A recognised housekeeping message of kind <paramref name="kind"/>, at source time <paramref name="time"/> (ms) when known.</summary>
    public static ParseResult Housekeeping(HousekeepingKind kind, string description, long? time) =>
        new([], null, new HousekeepingMessage(kind, description, time));
}

/// <summary>A message a connector emits besides row changes: recognised, counted and recorded, never dead-lettered.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Description">Short human-readable detail (e.g. the DDL statement, shortened).</param>
/// <param name="Time">The source time it carries (ms since the Unix epoch), when it carries one.</param>
public sealed record HousekeepingMessage(HousekeepingKind Kind, string Description, long? Time);

/// <summary>Kinds of housekeeping messages.</summary>
public enum HousekeepingKind
{
    /// <summary>Schema change: CREATE/ALTER/DROP/RENAME of a table or database (Debezium schema-change events, Canal DDL, Maxwell table-*/database-*).</summary>
    Ddl,

    /// <summary>A table truncate (Debezium op <c>t</c>, Canal <c>TRUNCATE</c>).</summary>
    Truncate,

    /// <summary>A connector heartbeat (Debezium <c>__debezium-heartbeat.*</c>, Maxwell <c>heartbeat</c>, Canal <c>MHEARTBEAT</c>).</summary>
    Heartbeat,

    /// <summary>A Kafka tombstone in any shape (empty value, JSON <c>null</c>, <c>{"schema":null,"payload":null}</c>, <c>{"payload":null}</c>).</summary>
    Tombstone,

    /// <summary>Start or end of a bootstrap/snapshot (Maxwell <c>bootstrap-start</c>/<c>bootstrap-complete</c>).</summary>
    BootstrapMarker,

    /// <summary>Transaction boundary (Debezium transaction metadata BEGIN/END, Canal GTID/XA markers).</summary>
    TransactionMarker,

    /// <summary>Anything else a connector documents that carries no row change (e.g. Debezium op <c>m</c>, a logical-decoding message).</summary>
    Other,
}
