namespace FeaturePlatform.EventCenter.Ingestion.Forwarding;

/// <summary>Settings of one RabbitMQ queue → bus topic forwarder.</summary>
public sealed record RabbitForwarderOptions
{
    /// <summary>AMQP URI, e.g. amqp://user:pass@host:5672/vhost. Required.</summary>
    public required Uri Uri { get; init; }

    /// <summary>Queue to drain (must exist; declared by whoever publishes to it). Required.</summary>
    public required string Queue { get; init; }

    /// <summary>Bus topic receiving the messages. Required.</summary>
    public required string Topic { get; init; }

    /// <summary>Unacknowledged messages RabbitMQ may hand over at once; also the largest forwarded batch. Default: 500.</summary>
    public ushort Prefetch { get; init; } = 500;

    /// <summary>Pause before reconnecting after the connection or the bus failed. Default: 1 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws when a setting is missing or out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Queue) || string.IsNullOrWhiteSpace(Topic) || Prefetch == 0 || ReconnectDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("RabbitForwarderOptions: Queue and Topic are required; Prefetch must be positive.");
        }
        if (Uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new ArgumentException($"RabbitForwarderOptions.Uri must be amqp:// or amqps://, got '{Uri.Scheme}'.");
        }
    }
}
