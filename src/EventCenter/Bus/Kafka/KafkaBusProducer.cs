using Confluent.Kafka;

namespace FeaturePlatform.EventCenter.Bus.Kafka;

/// <summary>An idempotent, acks=all Kafka producer; a produce completes when every message is acknowledged.</summary>
internal sealed class KafkaBusProducer(ProducerConfig config) : IBusProducer
{
    private readonly IProducer<byte[]?, byte[]> producer = new ProducerBuilder<byte[]?, byte[]>(config).Build();

    public async ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var deliveries = new Task<DeliveryResult<byte[]?, byte[]>>[messages.Count];
        for (var i = 0; i < deliveries.Length; i++)
        {
            deliveries[i] = producer.ProduceAsync(topic, ToKafka(messages[i]), cancellationToken);
        }
        try
        {
            var results = await Task.WhenAll(deliveries);
            return results.Select(r => new BusPosition(r.Topic, r.Partition.Value, r.Offset.Value)).ToArray();
        }
        catch (ProduceException<byte[]?, byte[]> e)
        {
            throw new IOException($"Kafka did not acknowledge a message to '{topic}': {e.Error.Reason} ({e.Error.Code}).", e);
        }
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
