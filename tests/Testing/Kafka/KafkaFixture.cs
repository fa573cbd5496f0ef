using Confluent.Kafka;
using FeaturePlatform.Testing.Infrastructure;
using Xunit;

namespace FeaturePlatform.Testing.Kafka;

/// <summary>
/// xunit collection fixture: one 3-broker librdkafka mock cluster on loopback for the whole collection. A test
/// assembly declares one collection (<c>[CollectionDefinition(KafkaFixture.CollectionName)] class … :
/// ICollectionFixture&lt;KafkaFixture&gt;</c>) so the cluster starts once per assembly run. Each test makes its
/// own topics and consumer groups (<see cref="CreateTopic"/>, <see cref="NewGroupId"/>).
/// </summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    /// <summary>Conventional collection name for tests sharing this fixture.</summary>
    public const string CollectionName = "Kafka";

    /// <summary>Brokers in the cluster (ids 1..3).</summary>
    public const int Brokers = 3;

    private KafkaMockCluster? cluster;

    /// <summary>The mock cluster (available after initialisation).</summary>
    public KafkaMockCluster Cluster => cluster ?? throw new InvalidOperationException("KafkaFixture is not initialised.");

    /// <summary>bootstrap.servers of the cluster.</summary>
    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>The librdkafka version Confluent.Kafka runs on.</summary>
    public string LibrdkafkaVersion { get; private set; } = "";

    /// <inheritdoc />
    public Task InitializeAsync()
    {
        LibrdkafkaVersion = LoadedLibrdkafka.Version;
        cluster = KafkaMockCluster.Start(Brokers);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        cluster?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Creates a topic with a unique name and <paramref name="partitions"/> partitions; returns its name.</summary>
    public string CreateTopic(int partitions = 4, string prefix = "topic")
    {
        var name = UniqueName.For(prefix);
        Cluster.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>A unique consumer group id.</summary>
    public static string NewGroupId(string prefix = "group") => UniqueName.For(prefix);

    /// <summary>
    /// Producer settings for tests: acks=all, idempotence on (unless <paramref name="idempotent"/> is false),
    /// short linger, quick reconnects (a broker brought back up is used again within ~1 s), 30 s delivery timeout.
    /// </summary>
    public ProducerConfig ProducerConfig(bool idempotent = true) => new()
    {
        BootstrapServers = BootstrapServers,
        ClientId = "featureplatform-tests",
        Acks = Acks.All,
        EnableIdempotence = idempotent,
        LingerMs = 2,
        MessageTimeoutMs = 30_000,
        RequestTimeoutMs = 10_000,
        RetryBackoffMs = 100,
        ReconnectBackoffMs = 100,
        ReconnectBackoffMaxMs = 1000,
        TopicMetadataRefreshIntervalMs = 2000,
    };

    /// <summary>
    /// Consumer settings for tests: the given group, from the earliest offset, manual commits, a 6 s session
    /// timeout (a member that left without a clean close is evicted in seconds, not the default 45 s), quick
    /// fetches and reconnects.
    /// </summary>
    public ConsumerConfig ConsumerConfig(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        ClientId = "featureplatform-tests",
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 500,
        FetchWaitMaxMs = 50,
        ReconnectBackoffMs = 100,
        ReconnectBackoffMaxMs = 1000,
        TopicMetadataRefreshIntervalMs = 2000,
        EnablePartitionEof = false,
    };
}
