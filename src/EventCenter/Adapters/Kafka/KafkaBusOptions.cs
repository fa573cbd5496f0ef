using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>Settings of the Kafka bus.</summary>
public sealed record KafkaBusOptions
{
    /// <summary>bootstrap.servers, e.g. "kafka1:9092,kafka2:9092". Required.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>client.id reported to the brokers. Default: "featureplatform".</summary>
    public string ClientId { get; init; } = "featureplatform";

    /// <summary>
    /// Create missing topics with the admin API. Off, <see cref="IMessageBus.CreateTopicAsync"/> only checks that
    /// the topic exists (for clusters where topics are provisioned by admins, and for librdkafka's mock cluster,
    /// which does not answer CreateTopics). Existing topics are taken with any partition count either way.
    /// Default: true.
    /// </summary>
    public bool CreateTopics { get; init; } = true;

    /// <summary>
    /// How long a CreateTopics request may go unanswered before start-up fails with an error naming the topic.
    /// Default: 5 s.
    /// </summary>
    public TimeSpan TopicCreateTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Replication factor of topics created by the platform. Default: 3.</summary>
    public short ReplicationFactor { get; init; } = 3;

    /// <summary>Consumer session timeout: how long a silent member keeps its partitions. Default: 10 s.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for admin and metadata calls and for delivery of a produced message. Default: 30 s.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Producer linger: how long to wait to fill a batch. Default: 2 ms.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Extra librdkafka settings (e.g. security.protocol, sasl.*), applied last.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws when a setting is missing or out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ArgumentException("KafkaBusOptions.BootstrapServers is required.");
        }
        if (SessionTimeout < TimeSpan.FromSeconds(1) || OperationTimeout <= TimeSpan.Zero || TopicCreateTimeout <= TimeSpan.Zero || Linger < TimeSpan.Zero || ReplicationFactor < 1)
        {
            throw new ArgumentException("KafkaBusOptions: SessionTimeout ≥ 1 s, OperationTimeout > 0, TopicCreateTimeout > 0, Linger ≥ 0, ReplicationFactor ≥ 1.");
        }
    }
}
