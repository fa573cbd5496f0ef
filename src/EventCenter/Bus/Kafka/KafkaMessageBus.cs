using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FeaturePlatform.EventCenter.Kafka;

namespace FeaturePlatform.EventCenter.Bus.Kafka;

/// <summary>The bus on a Kafka cluster (Confluent.Kafka bound to the system's librdkafka).</summary>
public sealed class KafkaMessageBus : IMessageBus
{
    /// <summary>fetch.wait.max.ms of consumers without tuning.</summary>
    private static readonly TimeSpan DefaultMaxFetchWait = TimeSpan.FromMilliseconds(50);

    private readonly KafkaBusOptions options;
    private readonly IAdminClient admin;

    /// <summary>Connects to the cluster in <paramref name="options"/>.</summary>
    public KafkaMessageBus(KafkaBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        LibrdkafkaLoader.EnsureLoaded();
        this.options = options;
        admin = new AdminClientBuilder(Apply(new AdminClientConfig { BootstrapServers = options.BootstrapServers, ClientId = options.ClientId })).Build();
    }

    /// <inheritdoc />
    public async ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        var existing = await GetPartitionCountAsync(topic, cancellationToken);
        if (existing is { } n)
        {
            if (n < partitions)
            {
                throw new InvalidOperationException($"Kafka topic '{topic}' has {n} partitions; {partitions} are needed.");
            }
            return;
        }
        if (!options.CreateTopics)
        {
            throw new InvalidOperationException($"Kafka topic '{topic}' does not exist and KafkaBusOptions.CreateTopics is off; ask an admin to create it.");
        }
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = options.ReplicationFactor }],
                new CreateTopicsOptions { OperationTimeout = options.OperationTimeout, RequestTimeout = options.OperationTimeout })
                .WaitAsync(options.OperationTimeout, cancellationToken);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Another process created it first.
        }
    }

    /// <inheritdoc />
    public async ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        // Metadata of all topics: asking for one topic by name makes brokers with auto-creation create it.
        // librdkafka's metadata call blocks; run it off the caller's thread.
        var metadata = await Task.Run(() => admin.GetMetadata(options.OperationTimeout), cancellationToken);
        var t = metadata.Topics.FirstOrDefault(x => x.Topic == topic);
        return t is null || t.Error.Code == ErrorCode.UnknownTopicOrPart || t.Partitions.Count == 0 ? null : t.Partitions.Count;
    }

    /// <inheritdoc />
    public IBusProducer CreateProducer() => CreateProducer(new BusLatencyTuning());

    /// <inheritdoc />
    public IBusProducer CreateProducer(BusLatencyTuning tuning) => new KafkaBusProducer(Apply(new ProducerConfig
    {
        BootstrapServers = options.BootstrapServers,
        ClientId = options.ClientId,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = (tuning?.Linger ?? options.Linger).TotalMilliseconds,
        MessageTimeoutMs = (int)options.OperationTimeout.TotalMilliseconds,
    }));

    /// <inheritdoc />
    public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics) => CreateConsumer(groupId, topics, new BusLatencyTuning());

    /// <inheritdoc />
    public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics, BusLatencyTuning tuning)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        var config = Apply(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = Math.Max(100, (int)options.SessionTimeout.TotalMilliseconds / 10),
            FetchWaitMaxMs = (int)Math.Max(1, (tuning?.MaxFetchWait ?? DefaultMaxFetchWait).TotalMilliseconds),
        });
        return new KafkaBusConsumer(groupId, config, topics, options.OperationTimeout);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        admin.Dispose();
        return ValueTask.CompletedTask;
    }

    private T Apply<T>(T config)
        where T : ClientConfig
    {
        foreach (var (key, value) in options.Extra)
        {
            config.Set(key, value);
        }
        return config;
    }
}
