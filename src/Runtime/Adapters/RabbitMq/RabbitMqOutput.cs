using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace FeaturePlatform.Runtime.Adapters.RabbitMq;

/// <summary>
/// Results to a RabbitMQ exchange with publisher confirms. Each result is one persistent message: body = the JSON
/// document of <see cref="ResultJson"/>, <c>message_id</c> = <see cref="FeatureResult.ResultId"/> (also in header
/// <c>fp-result-id</c>), content type <c>application/json</c>, timestamp = event time (s), routing key from
/// <see cref="RabbitMqOutputOptions.RoutingKey"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="WriteAsync"/> completes once the broker confirmed every message of the batch (for durable queues:
/// persisted). Batches are published one at a time per output; the messages of a batch are published concurrently on
/// one confirm-tracking channel.
/// </para>
/// <para>
/// On a connection failure, broker restart, nack or confirm timeout the connection is dropped, re-opened (with
/// back-off) and the whole batch published again, for up to <see cref="RabbitMqOutputOptions.RetryTimeout"/>. Messages
/// of the failed attempt may have been delivered already, so consumers de-duplicate by <c>message_id</c>. A missing
/// exchange, refused access, or a returned mandatory message fails at once. The client's own automatic recovery is
/// off: this output reconnects itself, so a batch is never half-confirmed across a reconnect.
/// </para>
/// </remarks>
public sealed class RabbitMqOutput : IJobOutput
{
    /// <summary>The header carrying the result id.</summary>
    public const string ResultIdHeader = "fp-result-id";

    private readonly RabbitMqOutputOptions options;
    private readonly RoutingKeyTemplate routingKey;
    private readonly ConfirmedPublisher publisher;
    private long published;

    /// <summary>Creates the output; it connects on first write.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public RabbitMqOutput(RabbitMqOutputOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        routingKey = RoutingKeyTemplate.Parse(options.RoutingKey);
        publisher = new ConfirmedPublisher(options, "RabbitMQ output rabbitmq:" + options.Exchange, logger ?? NullLogger.Instance);
    }

    /// <inheritdoc />
    public string Name => "rabbitmq:" + options.Exchange;

    /// <summary>Messages confirmed by the broker (retried batches count again).</summary>
    public long Published => Interlocked.Read(ref published);

    /// <summary>Connections opened after a failure.</summary>
    public long Reconnects => publisher.Reconnects;

    /// <summary>The routing key of a result.</summary>
    public string RoutingKeyOf(FeatureResult result) => routingKey.Render(result);

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        var messages = results.Select(r => new AmqpMessage(options.Exchange, routingKey.Render(r), PropertiesOf(r), ResultJson.Serialize(r))).ToList();
        await publisher.PublishAsync(messages, cancellationToken);
        Interlocked.Add(ref published, messages.Count);
    }

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => publisher.DisposeAsync();

    private static BasicProperties PropertiesOf(FeatureResult result) => new()
    {
        Persistent = true,
        MessageId = result.ResultId,
        ContentType = "application/json",
        Timestamp = new AmqpTimestamp(result.EventTime / 1000),
        Headers = result.Correction
            ? new Dictionary<string, object?> { [ResultIdHeader] = result.ResultId, [Outputs.KafkaOutput.CorrectionHeader] = true }
            : new Dictionary<string, object?> { [ResultIdHeader] = result.ResultId },
    };
}
