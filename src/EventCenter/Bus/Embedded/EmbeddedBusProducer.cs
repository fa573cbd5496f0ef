namespace FeaturePlatform.EventCenter.Bus.Embedded;

/// <summary>Produces to the embedded bus; completes once the messages are committed to the bus file.</summary>
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
        for (var i = 0; i < routed.Length; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            if (message.Value.Length > bus.Options.MaxMessageBytes)
            {
                throw new ArgumentException(
                    $"Message {i} is {message.Value.Length} bytes; the embedded bus accepts at most {bus.Options.MaxMessageBytes}.", nameof(messages));
            }
            routed[i] = (bus.ChoosePartition(message.Key, partitions), message);
        }
        // The write itself is not cancellable once queued: cancelling only stops waiting for it.
        return await bus.Writer.ProduceAsync(topic, routed, bus.NowMs()).WaitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
