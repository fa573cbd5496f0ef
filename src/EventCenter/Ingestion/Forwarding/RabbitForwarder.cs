using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using FeaturePlatform.EventCenter.Bus;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Forwarding;

/// <summary>
/// Moves messages from a RabbitMQ queue to a bus topic. A message is acknowledged to RabbitMQ only after the bus
/// confirmed it durably, so nothing acknowledged is ever lost; a crash between the two re-delivers it, and the
/// pinned event id (the AMQP message id, or a digest of the message) makes the second copy the same event.
/// </summary>
public sealed class RabbitForwarder(RabbitForwarderOptions options, IMessageBus bus, ILogger logger)
{
    private long forwarded;
    private long reconnects;

    /// <summary>Messages forwarded and acknowledged.</summary>
    public long Forwarded => Interlocked.Read(ref forwarded);

    /// <summary>Times the forwarder had to reconnect.</summary>
    public long Reconnects => Interlocked.Read(ref reconnects);

    /// <summary>Forwards until <paramref name="stoppingToken"/> is cancelled, reconnecting after failures.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        options.Validate();
        await using var producer = bus.CreateProducer();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ForwardOneConnectionAsync(producer, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.Increment(ref reconnects);
                logger.LogWarning(e, "RabbitMQ forwarder {Queue} → {Topic} lost its connection; reconnecting", options.Queue, options.Topic);
            }
            try
            {
                await Task.Delay(options.ReconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ForwardOneConnectionAsync(IBusProducer producer, CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = options.Uri,
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = $"featureplatform-forwarder-{options.Queue}",
        };
        await using var connection = await factory.CreateConnectionAsync(stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.BasicQosAsync(0, options.Prefetch, false, stoppingToken);
        var deliveries = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(options.Prefetch) { SingleReader = true });
        channel.ChannelShutdownAsync += (_, args) =>
        {
            deliveries.Writer.TryComplete(new IOException($"RabbitMQ channel closed: {args.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, e) =>
            await deliveries.Writer.WriteAsync(new Delivery(e.DeliveryTag, e.Body.ToArray(), e.RoutingKey, e.BasicProperties), stoppingToken);
        await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stoppingToken);

        var batch = new List<Delivery>(options.Prefetch);
        while (await deliveries.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (batch.Count < options.Prefetch && deliveries.Reader.TryRead(out var delivery))
            {
                batch.Add(delivery);
            }
            // Durable on the bus first, then acknowledged: a failure here leaves the batch unacknowledged
            // and the reconnect makes RabbitMQ deliver it again.
            await producer.ProduceAsync(options.Topic, batch.Select(ToBus).ToList(), stoppingToken);
            await channel.BasicAckAsync(batch[^1].Tag, multiple: true, stoppingToken);
            Interlocked.Add(ref forwarded, batch.Count);
        }
    }

    private OutgoingMessage ToBus(Delivery delivery)
    {
        var properties = delivery.Properties;
        var headers = new List<KeyValuePair<string, byte[]>>
        {
            new(ForwardingHeaders.EventId, Encoding.UTF8.GetBytes(EventIdOf(delivery))),
            new(ForwardingHeaders.Origin, Encoding.UTF8.GetBytes("rabbitmq:" + options.Queue)),
        };
        if (properties.IsTimestampPresent() && properties.Timestamp.UnixTime > 0)
        {
            headers.Add(new(ForwardingHeaders.EventTime, Encoding.UTF8.GetBytes((properties.Timestamp.UnixTime * 1000).ToString(CultureInfo.InvariantCulture))));
        }
        if (properties.Headers is { } amqpHeaders)
        {
            foreach (var (name, value) in amqpHeaders)
            {
                if (value is byte[] bytes)
                {
                    headers.Add(new(name, bytes));
                }
                else if (value is not null)
                {
                    headers.Add(new(name, Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")));
                }
            }
        }
        var key = properties.IsMessageIdPresent() && !string.IsNullOrEmpty(properties.MessageId) ? Encoding.UTF8.GetBytes(properties.MessageId) : null;
        return new OutgoingMessage(key, delivery.Body, headers);
    }

    /// <summary>The publisher's message id, or a digest of queue, routing key and body (stable across re-deliveries).</summary>
    private string EventIdOf(Delivery delivery)
    {
        if (delivery.Properties.IsMessageIdPresent() && !string.IsNullOrEmpty(delivery.Properties.MessageId) && delivery.Properties.MessageId.Length <= 512)
        {
            return delivery.Properties.MessageId;
        }
        var digest = SHA256.HashData([.. Encoding.UTF8.GetBytes(options.Queue + "\n" + delivery.RoutingKey + "\n"), .. delivery.Body]);
        return "#amqp-" + Convert.ToHexStringLower(digest.AsSpan(0, 16));
    }

    private sealed record Delivery(ulong Tag, byte[] Body, string RoutingKey, IReadOnlyBasicProperties Properties);
}
