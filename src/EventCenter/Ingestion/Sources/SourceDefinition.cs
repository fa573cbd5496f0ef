using System.Text.Json.Serialization;

namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>
/// A registered source: its name, encoding, where its messages come from and how to find each event's entity
/// key and event time. Configured in the host's configuration (section <c>Sources</c>).
/// </summary>
public sealed record SourceDefinition
{
    /// <summary>Unique source name, e.g. "loans.orders". Required.</summary>
    public required string Name { get; init; }

    /// <summary>Message encoding. Default: <see cref="SourceFormat.Json"/>.</summary>
    public SourceFormat Format { get; init; } = SourceFormat.Json;

    /// <summary>Kafka (or embedded bus) topics carrying the source. Default: one topic named like the source.</summary>
    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>RabbitMQ queue forwarded into the source's first topic, if any. Default: none.</summary>
    public string? RabbitQueue { get; init; }

    /// <summary>
    /// Fields forming the entity key. For CDC formats: primary-key column names of the row (default: the format's
    /// own primary-key information, e.g. Canal's pkNames). For JSON: dot-separated paths into the message
    /// (required). Several fields are joined with '|'.
    /// </summary>
    public IReadOnlyList<string> KeyFields { get; init; } = [];

    /// <summary>
    /// JSON format: dot-separated path of the event time (epoch ms number, or ISO-8601 string). Null: the message's
    /// transport timestamp. CDC formats take the commit time from the envelope. Default: null.
    /// </summary>
    public string? TimeField { get; init; }

    /// <summary>JSON format: dot-separated path of the message's own id (e.g. a request id). Null: ids come from the source position.</summary>
    public string? IdField { get; init; }

    /// <summary>
    /// Declared types of fields of the source's row images (top-level field name → type), e.g.
    /// <c>Fields: { amount: Decimal, user_id: String }</c>. At ingestion a message whose declared field holds a value of
    /// another type is dead-lettered with the field, the expected type and the value, and never reaches a job; a
    /// missing or null field passes. Default: none (nothing is checked).
    /// </summary>
    public IReadOnlyDictionary<string, FieldType> Fields { get; init; } = new Dictionary<string, FieldType>();

    /// <summary>Largest accepted message in bytes; bigger ones are dead-lettered. Default: 1 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>The source-database table the source mirrors, for offline correction and no-delay fetches. Default: none.</summary>
    public MirroredTable? Mirror { get; init; }

    /// <summary>
    /// How far behind a later change of the same bus partition a change may arrive (in event time) and still be on
    /// time: a partition's watermark is its highest stored event time minus this. Null: the format's default
    /// (<see cref="EffectiveMaxOutOfOrderness"/>).
    /// </summary>
    public TimeSpan? MaxOutOfOrderness { get; init; }

    /// <summary>
    /// The longest a change takes from its event time to the bus (connector or client latency). When every partition
    /// of the source is caught up and idle, its watermark advances to now minus this — never further on the clock
    /// alone. A connector's heartbeats (e.g. Debezium's <c>__debezium-heartbeat.&lt;prefix&gt;</c> topic, listed among
    /// <see cref="Topics"/>) let caught-up partitions reach the heartbeat's time sooner. Null: the default
    /// (<see cref="EffectiveMaxDelay"/>).
    /// </summary>
    public TimeSpan? MaxDelay { get; init; }

    /// <summary>Default of <see cref="MaxOutOfOrderness"/> for CDC formats: binlog commit order is event-time order.</summary>
    public static readonly TimeSpan DefaultCdcMaxOutOfOrderness = TimeSpan.Zero;

    /// <summary>Default of <see cref="MaxOutOfOrderness"/> for JSON messages (several producers share a partition).</summary>
    public static readonly TimeSpan DefaultMessageMaxOutOfOrderness = TimeSpan.FromSeconds(1);

    /// <summary>Default of <see cref="MaxDelay"/>.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary><see cref="MaxOutOfOrderness"/> or the format's default: 0 for CDC, 1 s for JSON messages.</summary>
    [JsonIgnore]
    public TimeSpan EffectiveMaxOutOfOrderness => MaxOutOfOrderness ?? (Format == SourceFormat.Json ? DefaultMessageMaxOutOfOrderness : DefaultCdcMaxOutOfOrderness);

    /// <summary><see cref="MaxDelay"/> or the default, 5 s.</summary>
    [JsonIgnore]
    public TimeSpan EffectiveMaxDelay => MaxDelay ?? DefaultMaxDelay;

    /// <summary>The topics, defaulting to one topic named after the source.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> EffectiveTopics => Topics.Count > 0 ? Topics : [Name];

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when the definition is unusable.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200 || Name.Any(char.IsControl))
        {
            throw new ArgumentException($"Source name '{Name}' must be 1-200 printable characters.");
        }
        if (Format == SourceFormat.Json && KeyFields.Count == 0)
        {
            throw new ArgumentException($"Source '{Name}': JSON sources need KeyFields (paths of the entity key).");
        }
        if (KeyFields.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Source '{Name}': KeyFields must not contain empty paths.");
        }
        if (MaxMessageBytes <= 0)
        {
            throw new ArgumentException($"Source '{Name}': MaxMessageBytes must be positive.");
        }
        if (MaxOutOfOrderness is { } ooo && (ooo < TimeSpan.Zero || ooo > TimeSpan.FromDays(1)))
        {
            throw new ArgumentException($"Source '{Name}': MaxOutOfOrderness must be between 0 and 1 day, got {ooo}.");
        }
        if (MaxDelay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(1)))
        {
            throw new ArgumentException($"Source '{Name}': MaxDelay must be between 0 and 1 day, got {delay}.");
        }
        if (Fields.Keys.Any(string.IsNullOrWhiteSpace) || Fields.Values.Any(t => !Enum.IsDefined(t)))
        {
            throw new ArgumentException($"Source '{Name}': Fields maps field names to String, Int, Decimal, Float or Bool.");
        }
        Mirror?.Validate(Name);
    }
}

/// <summary>A source-database table mirrored by a CDC source.</summary>
/// <param name="Connection">Name of a configured database connection.</param>
/// <param name="Table">Table name, optionally schema-qualified.</param>
/// <param name="KeyColumns">Primary-key columns (joined with '|' into the entity key, as the parser does).</param>
/// <param name="TimeColumn">
/// Column holding the row's last-change time (set on every insert and update). Used as the correction's event time,
/// and required for no-delay reads: without it a no-delay read cannot tell a row changed after the as-of time from
/// one changed before, so it waits for the watermark like fetch-strong.
/// </param>
public sealed record MirroredTable(string Connection, string Table, IReadOnlyList<string> KeyColumns, string? TimeColumn = null)
{
    /// <summary>
    /// Debezium sources: the connector's <c>decimal.handling.mode</c>, so rows read from the database for no-delay
    /// reads carry decimals as the CDC events do. Default: <see cref="DecimalHandling.Precise"/> (Debezium's default).
    /// </summary>
    public DecimalHandling DecimalHandling { get; init; } = DecimalHandling.Precise;

    internal void Validate(string source)
    {
        if (string.IsNullOrWhiteSpace(Connection) || string.IsNullOrWhiteSpace(Table) || KeyColumns.Count == 0)
        {
            throw new ArgumentException($"Source '{source}': a mirrored table needs a connection, a table and key columns.");
        }
    }
}
