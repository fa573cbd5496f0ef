using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>
/// Produces to the embedded bus; completes once the messages are committed to the bus file. A call is all or
/// nothing: when a message is larger than <see cref="EmbeddedBusOptions.MaxMessageBytes"/> nothing is written and a
/// <see cref="BusProduceException"/> marks that message refused for good and the others not delivered.
/// </summary>
internal sealed class EmbeddedBusProducer(EmbeddedMessageBus bus) : IBusProducer
{
    public async ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return [];
        }
        var partitions = bus.PartitionCount(topic);
        var routed = new (int, OutgoingMessage)[messages.Count];
        var oversized = false;
        for (var i = 0; i < routed.Length; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            oversized |= message.Value.Length > bus.Options.MaxMessageBytes;
            routed[i] = (message.Partition switch
            {
                null => bus.ChoosePartition(message.Key, partitions),
                { } p when p >= 0 && p < partitions => p,
                { } p => throw new ArgumentException($"Message {i} names partition {p}; topic {topic} has partitions 0 to {partitions - 1}.", nameof(messages)),
            }, message);
        }
        if (oversized)
        {
            throw new BusProduceException(topic, messages.Select(m => m.Value.Length > bus.Options.MaxMessageBytes
                ? BusProduceOutcome.Refused($"message of {m.Value.Length} bytes; the embedded bus accepts at most {bus.Options.MaxMessageBytes}")
                : BusProduceOutcome.Failed("not written: another message of the call was refused")).ToList());
        }
        // The write itself is not cancellable once queued: cancelling only stops waiting for it.
        return await bus.Writer.ProduceAsync(topic, routed, bus.NowMs()).WaitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
