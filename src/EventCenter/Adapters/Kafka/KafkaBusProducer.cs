using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>
/// An idempotent, acks=all Kafka producer; a produce completes when every message is acknowledged. When some are
/// not, a <see cref="BusProduceException"/> says per message whether it was delivered, refused for good (too large,
/// invalid, not authorised) or failed for a reason a retry may cure.
/// </summary>
internal sealed class KafkaBusProducer(ProducerConfig config, KafkaMetrics? metrics = null) : IBusProducer
{
    private readonly IProducer<byte[]?, byte[]> producer = new ProducerBuilder<byte[]?, byte[]>(config).Build();

    public async ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var deliveries = new Task<DeliveryResult<byte[]?, byte[]>>[messages.Count];
        for (var i = 0; i < deliveries.Length; i++)
        {
            deliveries[i] = messages[i].Partition is { } partition
                ? producer.ProduceAsync(new TopicPartition(topic, new Partition(partition)), ToKafka(messages[i]), cancellationToken)
                : producer.ProduceAsync(topic, ToKafka(messages[i]), cancellationToken);
        }
        try
        {
            var results = await Task.WhenAll(deliveries);
            metrics?.Produced(topic, results.Length, 0);
            return results.Select(r => new BusPosition(r.Topic, r.Partition.Value, r.Offset.Value)).ToArray();
        }
        catch (ProduceException<byte[]?, byte[]> e)
        {
            var delivered = deliveries.Count(d => d.IsCompletedSuccessfully);
            metrics?.Produced(topic, delivered, deliveries.Length - delivered);
            // Every task has completed (WhenAll waits for all): report each message's own outcome.
            throw new BusProduceException(topic, [.. deliveries.Select(Outcome)], e);
        }
    }

    /// <summary>Kafka errors that sending the same message again can never cure.</summary>
    internal static bool IsPermanent(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge
        or ErrorCode.InvalidMsg or ErrorCode.InvalidMsgSize or ErrorCode.InvalidRecord or ErrorCode.Local_BadMsg
        or ErrorCode.TopicAuthorizationFailed or ErrorCode.TopicException;

    private static BusProduceOutcome Outcome(Task<DeliveryResult<byte[]?, byte[]>> delivery)
    {
        if (delivery.IsCompletedSuccessfully)
        {
            var r = delivery.Result;
            return BusProduceOutcome.Delivered(new BusPosition(r.Topic, r.Partition.Value, r.Offset.Value));
        }
        return delivery.Exception?.GetBaseException() is ProduceException<byte[]?, byte[]> e
            ? new BusProduceOutcome(null, $"Kafka: {e.Error.Reason} ({e.Error.Code})", IsPermanent(e.Error.Code))
            : BusProduceOutcome.Failed($"Kafka: {delivery.Exception?.GetBaseException().Message ?? "cancelled"}");
    }

    public ValueTask DisposeAsync()
    {
        producer.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Message<byte[]?, byte[]> ToKafka(OutgoingMessage message)
    {
        var kafka = new Message<byte[]?, byte[]> { Key = message.Key, Value = message.Value };
        if (message.Headers is { Count: > 0 } headers)
        {
            kafka.Headers = [];
            foreach (var (name, value) in headers)
            {
                kafka.Headers.Add(name, value);
            }
        }
        return kafka;
    }
}
