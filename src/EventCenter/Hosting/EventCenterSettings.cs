using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Adapters.HBase;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// The event center's configuration (section <c>EventCenter</c>). With nothing configured it runs embedded:
/// SQLite stores and the embedded bus under <see cref="DataDirectory"/>, no servers needed.
/// </summary>
public sealed record EventCenterSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "EventCenter";

    /// <summary>
    /// Folder of the embedded stores and bus. Default: <c>~/.local/share/featureplatform</c> (<c>$XDG_DATA_HOME</c> when set); when
    /// the home folder is missing or not writable (a service account with <c>HOME=/nonexistent</c>),
    /// <c>&lt;temp&gt;/featureplatform-&lt;user&gt;</c>, with a warning at start (<see cref="DataDirectoryIsFallback"/>): set it explicitly for such accounts.
    /// </summary>
    public string DataDirectory { get; init; } = DefaultDataDirectory.Value.Path;

    /// <summary>Whether <see cref="DataDirectory"/> is the temp-folder fallback because the home folder could not be used.</summary>
    public bool DataDirectoryIsFallback => DefaultDataDirectory.Value.Fallback && DataDirectory == DefaultDataDirectory.Value.Path;

    private static readonly Lazy<(string Path, bool Fallback)> DefaultDataDirectory = new(() =>
    {
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (!string.IsNullOrEmpty(local))
        {
            var preferred = Path.Combine(local, "featureplatform");
            try
            {
                Directory.CreateDirectory(preferred);
                return (preferred, false);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Falls through to the temp folder; EventCenterStartup warns.
            }
        }
        return (Path.Combine(Path.GetTempPath(), $"featureplatform-{Environment.UserName}"), true);
    });

    /// <summary>The hot store (recent window, indexes). Default: embedded.</summary>
    public StoreSettings Hot { get; init; } = new();

    /// <summary>The cold store (everything). Default: embedded.</summary>
    public StoreSettings Cold { get; init; } = new();

    /// <summary>Hot window by event time. Default: 32 days.</summary>
    public TimeSpan HotWindow { get; init; } = TimeSpan.FromDays(32);

    /// <summary>The bus. Default: embedded.</summary>
    public BusSettings Bus { get; init; } = new();

    /// <summary>The ingest job's settings.</summary>
    public IngestOptions Ingest { get; init; } = new();

    /// <summary>Number of ingest workers (group members) in this process. Default: 1.</summary>
    public int IngestWorkers { get; init; } = 1;

    /// <summary>How often embedded stores and the embedded bus drop expired data. Default: 10 minutes.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Partitions of topics the platform creates for sources. Default: 8.</summary>
    public int TopicPartitions { get; init; } = 8;

    /// <summary>RabbitMQ broker for sources with a <see cref="SourceDefinition.RabbitQueue"/> (amqp:// URI). Default: none.</summary>
    public Uri? RabbitMqUri { get; init; }

    /// <summary>
    /// How long a RabbitMQ forwarder may fail (disconnected, reconnecting, the bus refusing) before readiness turns
    /// Degraded; ingest batches turn it Degraded after 3 failed attempts in a row. Default: 15 s.
    /// </summary>
    public TimeSpan ProgressGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The sources configured at start (seeds; admins add, change and delete sources at run time through the API, kept
    /// in the metadata store). In configuration keyed by name (<c>Sources:orders:Format</c>); the older array shape
    /// (<c>Sources:0:Name</c>) is still read (<see cref="SourcesConfiguration"/>).
    /// </summary>
    public IReadOnlyList<SourceDefinition> Sources { get; init; } = [];

    /// <summary>The metadata store (section <c>EventCenter:Metadata</c>). Default: a table of the hot store.</summary>
    public MetadataStore.MetadataSettings Metadata { get; init; } = new();

    /// <summary>Source databases by connection name (what <see cref="MirroredTable.Connection"/> refers to).</summary>
    public IReadOnlyDictionary<string, SourceDb.SourceDatabaseSettings> SourceDatabases { get; init; } = new Dictionary<string, SourceDb.SourceDatabaseSettings>();

    /// <summary>
    /// While writes to an embedded database fail for a storage cause (disk full, read-only, I/O error), how often a small
    /// probe write checks whether the cause is gone, so readiness recovers without traffic; also the Retry-After given
    /// to HTTP clients. Nothing is probed while writes succeed. Default: 5 s.
    /// </summary>
    public TimeSpan StorageProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often mirrored sources are corrected against their databases; zero turns it off. Default: 24 hours.</summary>
    public TimeSpan CorrectionInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Offline correction's consistency wait and the announcement of corrected events to repair (section <c>EventCenter:Correction</c>).</summary>
    public Correction.CorrectionOptions Correction { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem; called at start-up.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("EventCenter:DataDirectory must not be empty.");
        }
        Hot.Validate("EventCenter:Hot");
        Cold.Validate("EventCenter:Cold");
        Bus.Validate();
        Ingest.Validate();
        if (HotWindow <= TimeSpan.Zero || IngestWorkers < 0 || TopicPartitions <= 0 || RetentionInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("EventCenter: HotWindow and TopicPartitions must be positive, IngestWorkers not negative.");
        }
        _ = new SourceRegistry(Sources);
        Metadata.Validate();
        foreach (var source in Sources.Where(s => s.Mirror is not null))
        {
            if (!SourceDatabases.TryGetValue(source.Mirror!.Connection, out var database) || string.IsNullOrWhiteSpace(database.ConnectionString))
            {
                throw new ArgumentException($"Source '{source.Name}' mirrors a table of '{source.Mirror.Connection}', which EventCenter:SourceDatabases does not define.");
            }
        }
        if (StorageProbeInterval <= TimeSpan.Zero || StorageProbeInterval > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException("EventCenter:StorageProbeInterval must be positive and at most 10 minutes.");
        }
        if (CorrectionInterval < TimeSpan.Zero || ProgressGrace < TimeSpan.Zero)
        {
            throw new ArgumentException("EventCenter:CorrectionInterval and ProgressGrace must not be negative.");
        }
        Correction.Validate();
        if (Sources.Any(s => s.RabbitQueue is not null) && RabbitMqUri is null)
        {
            throw new ArgumentException("EventCenter:RabbitMqUri is required when a source has a RabbitQueue.");
        }
    }
}

/// <summary>Which backend a store uses.</summary>
public enum StoreKind
{
    /// <summary>SQLite files on this machine.</summary>
    Embedded,

    /// <summary>HBase through its Thrift2 server.</summary>
    HBase,
}

/// <summary>One store's backend.</summary>
public sealed record StoreSettings
{
    /// <summary>Backend. Default: embedded.</summary>
    public StoreKind Kind { get; init; } = StoreKind.Embedded;

    /// <summary>HBase connection (when <see cref="Kind"/> is HBase).</summary>
    public HBaseOptions HBase { get; init; } = new();

    /// <summary>Embedded only: largest write-ahead log kept between transactions (<see cref="Adapters.Embedded.Storage.EmbeddedStoreOptions.MaxWalBytes"/>). Default: 64 MiB.</summary>
    public long MaxWalBytes { get; init; } = Adapters.Embedded.Storage.EmbeddedStoreOptions.DefaultMaxWalBytes;

    /// <summary>Embedded only: size cap of the database file, or null for none (<see cref="Adapters.Embedded.Storage.EmbeddedStoreOptions.MaxDatabaseBytes"/>). Default: null.</summary>
    public long? MaxDatabaseBytes { get; init; }

    internal void Validate(string section)
    {
        if (MaxWalBytes < 1024 * 1024 || MaxDatabaseBytes < Adapters.Embedded.Storage.EmbeddedStoreOptions.MinDatabaseBytes)
        {
            throw new ArgumentException($"{section}: MaxWalBytes must be at least 1 MiB and MaxDatabaseBytes (when set) at least {Adapters.Embedded.Storage.EmbeddedStoreOptions.MinDatabaseBytes}.");
        }
        if (Kind == StoreKind.HBase)
        {
            try
            {
                HBase.Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{section}:HBase: {e.Message}", e);
            }
        }
    }
}

/// <summary>Which bus the platform uses.</summary>
public enum BusKind
{
    /// <summary>The embedded bus (one process).</summary>
    Embedded,

    /// <summary>A Kafka cluster.</summary>
    Kafka,
}

/// <summary>The bus's backend.</summary>
public sealed record BusSettings
{
    /// <summary>Backend. Default: embedded.</summary>
    public BusKind Kind { get; init; } = BusKind.Embedded;

    /// <summary>Kafka bootstrap servers (when <see cref="Kind"/> is Kafka).</summary>
    public string? BootstrapServers { get; init; }

    /// <summary>Create missing topics on Kafka (existing topics are taken with any partition count). Default: true.</summary>
    public bool CreateTopics { get; init; } = true;

    /// <summary>Replication factor of topics the platform creates on Kafka. Default: 3.</summary>
    public short ReplicationFactor { get; init; } = 3;

    /// <summary>How long a Kafka CreateTopics request may go unanswered before start-up fails naming the topic. Default: 5 s.</summary>
    public TimeSpan TopicCreateTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Kafka consumer session timeout. Default: 10 s.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Embedded only: largest write-ahead log of <c>bus.db</c> kept between transactions. Default: 64 MiB.</summary>
    public long MaxWalBytes { get; init; } = Adapters.Embedded.Storage.EmbeddedStoreOptions.DefaultMaxWalBytes;

    /// <summary>Embedded only: size cap of <c>bus.db</c>, or null for none. Default: null.</summary>
    public long? MaxDatabaseBytes { get; init; }

    internal KafkaBusOptions ToKafka() => new()
    {
        BootstrapServers = BootstrapServers ?? "",
        CreateTopics = CreateTopics,
        ReplicationFactor = ReplicationFactor,
        TopicCreateTimeout = TopicCreateTimeout,
        SessionTimeout = SessionTimeout,
    };

    internal void Validate()
    {
        if (MaxWalBytes < 1024 * 1024 || MaxDatabaseBytes < Adapters.Embedded.Storage.EmbeddedStoreOptions.MinDatabaseBytes)
        {
            throw new ArgumentException($"EventCenter:Bus: MaxWalBytes must be at least 1 MiB and MaxDatabaseBytes (when set) at least {Adapters.Embedded.Storage.EmbeddedStoreOptions.MinDatabaseBytes}.");
        }
        if (Kind == BusKind.Kafka)
        {
            ToKafka().Validate();
        }
    }
}
