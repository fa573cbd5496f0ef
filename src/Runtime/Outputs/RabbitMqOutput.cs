using System.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FeaturePlatform.Runtime.Outputs;

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
    private readonly ConnectionFactory factory;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;
    private IChannel? channel;
    private long published;
    private long reconnects;
    private bool disposed;

    /// <summary>Creates the output; it connects on first write.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public RabbitMqOutput(RabbitMqOutputOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        routingKey = RoutingKeyTemplate.Parse(options.RoutingKey);
        factory = new ConnectionFactory
        {
            Uri = options.Uri,
            ClientProvidedName = options.ClientName,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = options.ConnectTimeout,
            SocketReadTimeout = options.ConnectTimeout,
            SocketWriteTimeout = options.ConnectTimeout,
            ContinuationTimeout = options.ConnectTimeout,
        };
    }

    /// <inheritdoc />
    public string Name => "rabbitmq:" + options.Exchange;

    /// <summary>Messages confirmed by the broker (retried batches count again).</summary>
    public long Published => Interlocked.Read(ref published);

    /// <summary>Connections opened after a failure.</summary>
    public long Reconnects => Interlocked.Read(ref reconnects);

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
        var messages = results.Select(r => (Key: routingKey.Render(r), Properties: PropertiesOf(r), Body: (ReadOnlyMemory<byte>)ResultJson.Serialize(r))).ToList();
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var started = Stopwatch.StartNew();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var ch = await EnsureChannelAsync(attempt > 0, cancellationToken);
                    await PublishAllAsync(ch, messages, cancellationToken);
                    Interlocked.Add(ref published, messages.Count);
                    return;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
                {
                    await DropConnectionAsync();
                    var delay = TimeSpan.FromTicks(Math.Min(options.RetryMaxDelay.Ticks, options.RetryBaseDelay.Ticks << Math.Min(attempt, 20)));
                    if (started.Elapsed + delay > options.RetryTimeout)
                    {
                        throw new TimeoutException($"RabbitMQ output {Name}: {messages.Count} results not confirmed within {options.RetryTimeout} ({attempt + 1} attempts).", e);
                    }
                    logger.LogWarning(e, "RabbitMQ output {Output}: publishing {Count} results failed (attempt {Attempt}); reconnecting in {Delay}.", Name, messages.Count, attempt + 1, delay);
                    await Task.Delay(delay, cancellationToken);
                }
                catch
                {
                    await DropConnectionAsync();
                    throw;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (!disposed)
            {
                disposed = true;
                await DropConnectionAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PublishAllAsync(IChannel ch, List<(string Key, BasicProperties Properties, ReadOnlyMemory<byte> Body)> messages, CancellationToken cancellationToken)
    {
        // No cancellation token goes into the client's publish: in 7.1.x a cancelled publish can corrupt the channel's
        // confirm tracking. Cancellation and the confirm timeout abandon the wait instead, and the caller drops the
        // connection, which fails the outstanding publishes.
        var publishes = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var (key, properties, body) = messages[i];
            publishes[i] = ch.BasicPublishAsync(options.Exchange, key, options.Mandatory, properties, body, CancellationToken.None).AsTask();
        }
        var all = Task.WhenAll(publishes);
        try
        {
            await all.WaitAsync(options.ConfirmTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _ = all.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private async Task<IChannel> EnsureChannelAsync(bool reconnect, CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true } open)
        {
            return open;
        }
        await DropConnectionAsync();
        connection = await factory.CreateConnectionAsync(cancellationToken);
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        if (options.Exchange.Length > 0)
        {
            await channel.ExchangeDeclarePassiveAsync(options.Exchange, cancellationToken);
        }
        if (reconnect)
        {
            Interlocked.Increment(ref reconnects);
            logger.LogInformation("RabbitMQ output {Output}: reconnected to {Host}.", Name, options.Uri.Host);
        }
        return channel;
    }

    private async ValueTask DropConnectionAsync()
    {
        var ch = channel;
        var conn = connection;
        channel = null;
        connection = null;
        try
        {
            if (ch is not null)
            {
                await ch.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug(e, "RabbitMQ output {Output}: closing the channel failed.", Name);
        }
        try
        {
            if (conn is not null)
            {
                await conn.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug(e, "RabbitMQ output {Output}: closing the connection failed.", Name);
        }
    }

    private static BasicProperties PropertiesOf(FeatureResult result) => new()
    {
        Persistent = true,
        MessageId = result.ResultId,
        ContentType = "application/json",
        Timestamp = new AmqpTimestamp(result.EventTime / 1000),
        Headers = new Dictionary<string, object?> { [ResultIdHeader] = result.ResultId },
    };

    /// <summary>Failures a reconnect and retry can cure; not: missing exchange, refused access, precondition, return.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        PublishException p => !p.IsReturn,
        OperationInterruptedException { ShutdownReason.ReplyCode: 403 or 404 or 406 } => false,
        BrokerUnreachableException { InnerException: AuthenticationFailureException } => false,
        ArgumentException => false,
        _ => true,
    };
}
