using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using RabbitMQ.Client;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>One message received from RabbitMQ, not yet acknowledged.</summary>
/// <param name="Tag">Delivery tag on its channel.</param>
/// <param name="Sequence">The forwarder's own running number of deliveries (unique per forwarder run).</param>
/// <param name="Body">Original bytes.</param>
/// <param name="Exchange">Exchange it was published to.</param>
/// <param name="RoutingKey">Routing key it was published with.</param>
/// <param name="Properties">AMQP properties.</param>
/// <param name="ReceivedAt">When the forwarder received it, ms since the Unix epoch.</param>
internal sealed record AmqpDelivery(ulong Tag, long Sequence, byte[] Body, string Exchange, string RoutingKey, IReadOnlyBasicProperties Properties, long ReceivedAt);

/// <summary>A delivery made ready for the bus: the message to produce, or why it can never be delivered.</summary>
internal sealed record PreparedDelivery(AmqpDelivery Delivery, OutgoingMessage Message, string? Refusal);

/// <summary>
/// Turns AMQP deliveries into bus messages. Keying: the entity key read with the source's own parser and
/// KeyFields (UTF-8), so one entity's messages share a partition and keep RabbitMQ's order; a message whose key
/// cannot be read (or that carries no event) gets no key, so it is spread without joining any entity's partition
/// order, and ingestion dead-letters it with its reason and bytes. Identity: the AMQP message_id is pinned as
/// <see cref="ForwardingHeaders.EventId"/>; without one nothing is pinned and the bus position is the identity.
/// Time: the AMQP timestamp, else (source without a time field) the time of receipt, pinned as
/// <see cref="ForwardingHeaders.EventTime"/>.
/// </summary>
internal static class AmqpDeliveries
{
    /// <summary>Header with the AMQP routing key (on forwarded messages and dead letters).</summary>
    public const string RoutingKeyHeader = "amqp-routing-key";

    /// <summary>Header with the AMQP exchange (on dead letters).</summary>
    public const string ExchangeHeader = "amqp-exchange";

    public static PreparedDelivery Prepare(RabbitForwarderOptions options, AmqpDelivery delivery)
    {
        var source = options.Source;
        var headers = Headers(options.Queue, delivery, source.TimeField is null);
        var body = delivery.Body;
        if (body.Length > source.MaxMessageBytes)
        {
            return new(delivery, new OutgoingMessage(null, body, headers),
                $"message of {body.Length} bytes exceeds the limit of source '{source.Name}' ({source.MaxMessageBytes} bytes)");
        }
        var probe = EventParsers.Parse(source, new RawMessage(Position(options.Queue, delivery), null, body, delivery.ReceivedAt, headers), delivery.ReceivedAt);
        var key = probe is { IsRejected: false, Events.Count: > 0 } ? Encoding.UTF8.GetBytes(KeyChanges.BusKey(probe.Events)) : null;
        return new(delivery, new OutgoingMessage(key, body, headers), null);
    }

    /// <summary>The dead-letter position of a delivery: (queue, 0, the forwarder's sequence number).</summary>
    public static SourcePosition Position(string queue, AmqpDelivery delivery) => new(queue, 0, delivery.Sequence);

    /// <summary>A dead letter for a delivery that can never be delivered.</summary>
    public static DeadLetter DeadLetter(RabbitForwarderOptions options, PreparedDelivery prepared, string reason, long now) => new(
        options.Source.Name,
        Position(options.Queue, prepared.Delivery),
        $"RabbitMQ queue '{options.Queue}' → topic '{options.Topic}': {reason}",
        Encoding.UTF8.GetBytes(prepared.Delivery.RoutingKey),
        prepared.Delivery.Body,
        [.. prepared.Message.Headers ?? [], new(ExchangeHeader, Encoding.UTF8.GetBytes(prepared.Delivery.Exchange))],
        now);

    private static List<KeyValuePair<string, byte[]>> Headers(string queue, AmqpDelivery delivery, bool pinReceipt)
    {
        var properties = delivery.Properties;
        var headers = new List<KeyValuePair<string, byte[]>>
        {
            new(ForwardingHeaders.Origin, Encoding.UTF8.GetBytes("rabbitmq:" + queue)),
            new(RoutingKeyHeader, Encoding.UTF8.GetBytes(delivery.RoutingKey)),
        };
        if (properties.IsMessageIdPresent() && properties.MessageId is { Length: > 0 and <= 512 } id)
        {
            headers.Add(new(ForwardingHeaders.EventId, Encoding.UTF8.GetBytes(id)));
        }
        long? time = properties.IsTimestampPresent() && properties.Timestamp.UnixTime > 0 ? properties.Timestamp.UnixTime * 1000 : pinReceipt ? delivery.ReceivedAt : null;
        if (time is { } ms)
        {
            headers.Add(new(ForwardingHeaders.EventTime, Encoding.UTF8.GetBytes(ms.ToString(CultureInfo.InvariantCulture))));
        }
        if (properties.Headers is { } amqpHeaders)
        {
            foreach (var (name, value) in amqpHeaders)
            {
                if (name.StartsWith("fp-", StringComparison.Ordinal))
                {
                    continue; // Identity and time are the forwarder's to pin, not the publisher's.
                }
                if (value is not null)
                {
                    headers.Add(new(name, AmqpHeaderValues.Bytes(value)));
                }
            }
        }
        return headers;
    }
}
