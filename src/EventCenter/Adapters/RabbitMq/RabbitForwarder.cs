using System.Threading.Channels;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// Moves messages from a RabbitMQ queue to a bus topic. A message is acknowledged to RabbitMQ only once it is
/// settled: durable on the bus, or — when it can never be delivered (larger than the source's MaxMessageBytes or the
/// bus's limit, or refused by the bus for good) — written to the dead-letter store with the reason, its bytes,
/// routing key and headers at position (queue, 0, the forwarder's delivery sequence). Nothing acknowledged is lost.
/// </summary>
/// <remarks>
/// <para><b>Keying (per-entity order).</b> Each bus message is keyed by its entity key, read with the source's own
/// parser and KeyFields, so one entity's messages share a partition and keep the order RabbitMQ delivered them in.
/// A message whose key cannot be read is forwarded without a key (it joins no entity's partition order); ingestion
/// dead-letters it with the reason and bytes.</para>
/// <para><b>Identity.</b> The AMQP <c>message_id</c>, when present, is pinned as the <c>fp-event-id</c> header: a
/// copy forwarded again is the same event. Without one nothing is pinned and the bus position is the identity, so a
/// crash between the bus confirming a batch and the AMQP acknowledgement re-delivers those messages and they may be
/// stored twice — publishers that need exactly-once set <c>message_id</c>.</para>
/// <para><b>Time.</b> The AMQP timestamp, when present, is pinned as <c>fp-event-time</c>; for a source without a
/// time field and a message without a timestamp, the time the forwarder received it is pinned instead, so every
/// read of the bus copy gives the same time.</para>
/// <para><b>Failures.</b> A transient failure (RabbitMQ connection, bus unavailable, dead-letter store) is retried
/// with doubling back-off (<see cref="RabbitForwarderOptions.Backoff"/>) without acknowledging anything; only the
/// messages the bus did not take are sent again. <see cref="Status"/> tells health checks while it cannot make
/// progress.</para>
/// </remarks>
public sealed class RabbitForwarder
{
    private readonly RabbitForwarderOptions options;
    private readonly IMessageBus bus;
    private readonly IDeadLetterSink deadLetters;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private long sequence;
    private int failures;

    /// <summary>Creates a forwarder; <see cref="RunAsync"/> runs it.</summary>
    public RabbitForwarder(RabbitForwarderOptions options, IMessageBus bus, IDeadLetterSink deadLetters, ILogger logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.bus = bus ?? throw new ArgumentNullException(nameof(bus));
        this.deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.clock = clock ?? TimeProvider.System;
        Status = new ForwarderStatus(options.Queue, options.Topic);
    }

    /// <summary>Counters and progress of this forwarder.</summary>
    public ForwarderStatus Status { get; }

    /// <summary>Messages forwarded and acknowledged.</summary>
    public long Forwarded => Status.Forwarded;

    /// <summary>Messages dead-lettered and acknowledged.</summary>
    public long DeadLettered => Status.DeadLettered;

    /// <summary>Times the forwarder had to reconnect.</summary>
    public long Reconnects => Status.Reconnects;

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
                Status.AddReconnect();
                Status.Fail(clock.GetUtcNow(), $"RabbitMQ connection: {e.Message}");
                logger.LogWarning(e, "RabbitMQ forwarder {Queue} → {Topic} lost its connection; reconnecting", options.Queue, options.Topic);
            }
            try
            {
                await Task.Delay(options.Backoff(failures++), clock, stoppingToken);
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
        var deliveries = Channel.CreateBounded<AmqpDelivery>(new BoundedChannelOptions(options.Prefetch) { SingleReader = true });
        channel.ChannelShutdownAsync += (_, args) =>
        {
            deliveries.Writer.TryComplete(new IOException($"RabbitMQ channel closed: {args.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, e) => await deliveries.Writer.WriteAsync(
            new AmqpDelivery(e.DeliveryTag, Interlocked.Increment(ref sequence), e.Body.ToArray(), e.Exchange, e.RoutingKey, e.BasicProperties, clock.GetUtcNow().ToUnixTimeMilliseconds()),
            stoppingToken);
        await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stoppingToken);
        Status.Succeed();
        failures = 0;

        var batch = new List<AmqpDelivery>(options.Prefetch);
        var sender = new ForwardBatchSender(options, producer, deadLetters, logger, clock, Status);
        while (await deliveries.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (batch.Count < options.Prefetch && deliveries.Reader.TryRead(out var delivery))
            {
                batch.Add(delivery);
            }
            // Settled (on the bus or dead-lettered) first, then acknowledged: a failure before the acknowledgement
            // leaves the batch unacknowledged and the reconnect makes RabbitMQ deliver it again.
            var settled = await sender.SettleAsync([.. batch.Select(d => AmqpDeliveries.Prepare(options, d))], () => channel.IsOpen, stoppingToken);
            await channel.BasicAckAsync(batch[^1].Tag, multiple: true, stoppingToken);
            Status.AddForwarded(settled.Forwarded);
            Status.AddDeadLettered(settled.DeadLettered);
            Status.Succeed();
            failures = 0;
        }
    }
}
