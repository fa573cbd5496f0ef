using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>Settings of one RabbitMQ queue → bus topic forwarder.</summary>
public sealed record RabbitForwarderOptions
{
    /// <summary>AMQP URI, e.g. amqp://user:pass@host:5672/vhost. Required.</summary>
    public required Uri Uri { get; init; }

    /// <summary>Queue to drain (must exist; declared by whoever publishes to it). Required.</summary>
    public required string Queue { get; init; }

    /// <summary>Bus topic receiving the messages. Required.</summary>
    public required string Topic { get; init; }

    /// <summary>
    /// The source the queue feeds. Required: the forwarder reads each message's entity key with the source's own
    /// parser and <see cref="SourceDefinition.KeyFields"/> (the bus key, so one entity's messages share a partition),
    /// and refuses messages over its <see cref="SourceDefinition.MaxMessageBytes"/>.
    /// </summary>
    public required SourceDefinition Source { get; init; }

    /// <summary>Unacknowledged messages RabbitMQ may hand over at once; also the largest forwarded batch. Default: 500.</summary>
    public ushort Prefetch { get; init; } = 500;

    /// <summary>First pause after the connection, the bus or the dead-letter store failed; doubles per failure in a row. Default: 1 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between retries (the cap of the doubling back-off). Default: 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause before retry number <paramref name="attempt"/> (0-based): doubling from <see cref="ReconnectDelay"/>, capped.</summary>
    public TimeSpan Backoff(int attempt) => new Resilience.Backoff(ReconnectDelay, MaxReconnectDelay).DelayAfter(attempt + 1);

    /// <summary>Throws when a setting is missing or out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Queue) || string.IsNullOrWhiteSpace(Topic) || Prefetch == 0 || ReconnectDelay < TimeSpan.Zero || MaxReconnectDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("RabbitForwarderOptions: Queue and Topic are required; Prefetch must be positive, delays not negative.");
        }
        if (Uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new ArgumentException($"RabbitForwarderOptions.Uri must be amqp:// or amqps://, got '{Uri.Scheme}'.");
        }
        ArgumentNullException.ThrowIfNull(Source);
        Source.Validate();
    }
}
