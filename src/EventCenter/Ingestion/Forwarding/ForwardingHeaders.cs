namespace FeaturePlatform.EventCenter.Ingestion.Forwarding;

/// <summary>
/// Headers with which forwarders (RabbitMQ forwarder, HTTP message-forward) pin an event's identity and time
/// when they put a message on the bus, so a message forwarded twice is still one event.
/// </summary>
public static class ForwardingHeaders
{
    /// <summary>The event id (UTF-8).</summary>
    public const string EventId = "fp-event-id";

    /// <summary>The event time, ms since the Unix epoch (decimal UTF-8), used when the source has no time field.</summary>
    public const string EventTime = "fp-event-time";

    /// <summary>Where the message came from, e.g. "rabbitmq:queue-name" or "http" (informational).</summary>
    public const string Origin = "fp-origin";
}
