using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>
/// A Kafka consumer-group member. librdkafka's consume and commit calls block, and the consumer handle is not
/// thread-safe, so they run one at a time on the member's own thread (<see cref="KafkaClientThread"/>).
/// </summary>
internal sealed class KafkaBusConsumer : IBusConsumer
{
    private readonly IConsumer<byte[]?, byte[]> consumer;
    private readonly KafkaClientThread thread;
    private readonly TimeSpan operationTimeout;
    private readonly KafkaMetrics? metrics;
    private readonly Lock gate = new();
    private Task? closed;

    public KafkaBusConsumer(string groupId, ConsumerConfig config, IReadOnlyList<string> topics, TimeSpan operationTimeout, KafkaMetrics? metrics = null)
    {
        GroupId = groupId;
        this.operationTimeout = operationTimeout;
        this.metrics = metrics;
        consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        consumer.Subscribe(topics);
        thread = new KafkaClientThread("kafka-consumer " + groupId);
    }

    public string GroupId { get; }

    public IReadOnlyList<BusPartition> Assignment
    {
        get
        {
            try
            {
                return consumer.Assignment.Select(tp => new BusPartition(tp.Topic, tp.Partition.Value)).ToList();
            }
            catch (ObjectDisposedException)
            {
                return [];
            }
        }
    }

    public long? KnownEndOffset(BusPartition partition)
    {
        try
        {
            // librdkafka updates the high watermark from every fetch response, also for partitions without new messages.
            var high = consumer.GetWatermarkOffsets(new TopicPartition(partition.Topic, partition.Partition)).High;
            return high == Offset.Unset || high.Value < 0 ? null : high.Value;
        }
        catch (Exception e) when (e is ObjectDisposedException or KafkaException)
        {
            return null;
        }
    }

    public ValueTask<IReadOnlyList<BusMessage>> ConsumeAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessages);
        return new ValueTask<IReadOnlyList<BusMessage>>(OnThread(() =>
        {
            var messages = new List<BusMessage>();
            // A monotonic clock: librdkafka's waits are real time, and a wall-clock step must not stretch or cut them.
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            while (messages.Count < maxMessages && !cancellationToken.IsCancellationRequested)
            {
                // Once something arrived, only drain what is already fetched.
                var wait = messages.Count > 0 ? TimeSpan.Zero : maxWait - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (wait < TimeSpan.Zero)
                {
                    break;
                }
                var result = consumer.Consume(wait < TimeSpan.FromMilliseconds(100) ? wait : TimeSpan.FromMilliseconds(100));
                if (result is null)
                {
                    if (messages.Count > 0 || System.Diagnostics.Stopwatch.GetElapsedTime(started) >= maxWait)
                    {
                        break;
                    }
                    continue;
                }
                messages.Add(ToBus(result));
            }
            cancellationToken.ThrowIfCancellationRequested();
            metrics?.Consumed(messages);
            return (IReadOnlyList<BusMessage>)messages;
        }, cancellationToken));
    }

    public async ValueTask CommitAsync(IReadOnlyList<BusPosition> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        await OnThread(() =>
        {
            var assigned = consumer.Assignment.ToHashSet();
            var owned = positions
                .Select(p => new TopicPartitionOffset(p.Topic, p.Partition, p.Offset))
                .Where(p => assigned.Contains(p.TopicPartition))
                .ToList();
            if (owned.Count > 0)
            {
                consumer.Commit(owned);
            }
            return true;
        }, cancellationToken);
    }

    public async ValueTask<long> GetCommittedAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        await OnThread(() =>
        {
            var committed = consumer.Committed([new TopicPartition(topic, partition)], operationTimeout);
            var offset = committed.Single().Offset;
            return offset == Offset.Unset ? 0 : offset.Value;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Task close;
        lock (gate)
        {
            // After the calls already queued; later calls fail with ObjectDisposedException.
            close = closed ??= thread.CompleteAsync(() =>
            {
                consumer.Close();
                consumer.Dispose();
            });
        }
        await close;
    }

    private static BusMessage ToBus(ConsumeResult<byte[]?, byte[]> result)
    {
        var headers = result.Message.Headers is { Count: > 0 } h
            // Kafka allows a header without a value (null); the bus's headers are never null, so it reads as empty
            // (a null here failed every parse of the message and stopped the source's ingestion).
            ? h.Select(x => new KeyValuePair<string, byte[]>(x.Key, x.GetValueBytes() ?? [])).ToList()
            : (IReadOnlyList<KeyValuePair<string, byte[]>>)[];
        return new BusMessage(
            result.Topic,
            result.Partition.Value,
            result.Offset.Value,
            result.Message.Key,
            result.Message.Value ?? [],
            result.Message.Timestamp.UnixTimestampMs,
            headers);
    }

    private Task<T> OnThread<T>(Func<T> action, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return closed is null
                ? thread.RunAsync(action, cancellationToken)
                : Task.FromException<T>(new ObjectDisposedException(nameof(KafkaBusConsumer)));
        }
    }
}
