using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>The bus on a Kafka cluster (Confluent.Kafka with librdkafka.redist's library).</summary>
public sealed class KafkaMessageBus : IMessageBus
{
    /// <summary>fetch.wait.max.ms of consumers without tuning.</summary>
    private static readonly TimeSpan DefaultMaxFetchWait = TimeSpan.FromMilliseconds(50);

    private readonly KafkaBusOptions options;
    private readonly IAdminClient admin;
    private readonly KafkaTopics topics;
    private readonly Lock offsetsGate = new();
    private IConsumer<byte[]?, byte[]>? offsetsConsumer;
    private readonly KafkaMetrics? metrics;

    /// <summary>Connects to the cluster in <paramref name="options"/>.</summary>
    public KafkaMessageBus(KafkaBusOptions options, KafkaMetrics? metrics = null)
    {
        this.metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        admin = new AdminClientBuilder(Apply(new AdminClientConfig { BootstrapServers = options.BootstrapServers, ClientId = options.ClientId })).Build();
        topics = new KafkaTopics(admin, options);
    }

    /// <inheritdoc />
    /// <remarks>
    /// An existing topic is taken with whatever partition count it has. A missing one is created with
    /// <paramref name="partitions"/> partitions when <see cref="KafkaBusOptions.CreateTopics"/> is on; otherwise, or
    /// when creation fails or gets no answer within <see cref="KafkaBusOptions.TopicCreateTimeout"/>, a
    /// <see cref="TopicUnavailableException"/> names the topic and the cause.
    /// </remarks>
    public ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        return topics.EnsureAsync(topic, partitions, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return topics.PartitionCountAsync(topic, options.OperationTimeout, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default)
    {
        if (await GetPartitionCountAsync(topic, cancellationToken) is not { } count)
        {
            return null;
        }
        return await Task.Run(() =>
        {
            // A group-less consumer only for broker queries; made once, then shared (queries are serialised).
            lock (offsetsGate)
            {
                offsetsConsumer ??= new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
                {
                    BootstrapServers = options.BootstrapServers,
                    ClientId = options.ClientId,
                    GroupId = "featureplatform-end-offsets",
                    EnableAutoCommit = false,
                }).Build();
                return (IReadOnlyList<long>)[.. Enumerable.Range(0, count).Select(p =>
                    offsetsConsumer.QueryWatermarkOffsets(new TopicPartition(topic, p), options.OperationTimeout).High.Value)];
            }
        }, cancellationToken);
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
    }), metrics);

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
        return new KafkaBusConsumer(groupId, config, topics, options.OperationTimeout, metrics);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        admin.Dispose();
        lock (offsetsGate)
        {
            offsetsConsumer?.Dispose();
            offsetsConsumer = null;
        }
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
