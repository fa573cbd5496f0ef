using System.Diagnostics;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Publishes the answers of request–message calls to RabbitMQ with publisher confirms: one persistent JSON message
/// (<see cref="CallAnswer.ToJson"/>) per call at the caller's exchange and routing key, <c>message_id</c> and
/// <c>correlation_id</c> = the request id (a re-delivered call may publish its answer again; callers de-duplicate by
/// it), header <c>fp-request-id</c>.
/// </summary>
/// <remarks>
/// Connection settings and retry timing are those of <see cref="RabbitMqOutputOptions"/> (defaults). A publish completes
/// once the broker confirmed it; connection failures are retried (reconnect with back-off) for
/// <see cref="RabbitMqOutputOptions.RetryTimeout"/>; a missing exchange or refused access fails at once with
/// <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class CallReplyPublisher : IAsyncDisposable
{
    /// <summary>Header carrying the request id.</summary>
    public const string RequestIdHeader = "fp-request-id";

    private readonly RabbitMqOutputOptions options;
    private readonly ConnectionFactory factory;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;
    private IChannel? channel;
    private long published;

    /// <summary>Creates the publisher for the broker at <paramref name="uri"/>; it connects on first publish.</summary>
    public CallReplyPublisher(Uri uri, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options = new RabbitMqOutputOptions { Uri = uri, Exchange = "", ClientName = "featureplatform-call-replies" };
        options.Validate();
        this.logger = logger ?? NullLogger.Instance;
        factory = new ConnectionFactory
        {
            Uri = uri,
            ClientProvidedName = options.ClientName,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = options.ConnectTimeout,
            ContinuationTimeout = options.ConnectTimeout,
        };
    }

    /// <summary>Answers confirmed by the broker.</summary>
    public long Published => Interlocked.Read(ref published);

    /// <summary>Publishes <paramref name="answer"/> to <paramref name="target"/>; completes when the broker confirmed it.</summary>
    /// <exception cref="InvalidOperationException">The exchange does not exist or access is refused.</exception>
    /// <exception cref="TimeoutException">The broker could not be reached within the retry timeout.</exception>
    public async Task PublishAsync(CallReplyTarget target, CallAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(answer);
        var body = answer.ToJson();
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = answer.RequestId,
            CorrelationId = answer.RequestId,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { [RequestIdHeader] = answer.RequestId },
        };
        await gate.WaitAsync(cancellationToken);
        try
        {
            var started = Stopwatch.StartNew();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var ch = await EnsureChannelAsync(cancellationToken);
                    // No token into the client's publish (a cancelled publish can corrupt 7.1's confirm tracking): the
                    // wait is abandoned instead and the connection dropped below.
                    await ch.BasicPublishAsync(target.Exchange, target.RoutingKey, false, properties, body, CancellationToken.None)
                        .AsTask().WaitAsync(options.ConfirmTimeout, cancellationToken);
                    Interlocked.Increment(ref published);
                    return;
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode is 403 or 404 or 406)
                {
                    await DropConnectionAsync();
                    throw new InvalidOperationException($"RabbitMQ refused the answer of request '{answer.RequestId}' to exchange '{target.Exchange}': {e.ShutdownReason?.ReplyText}", e);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
                {
                    await DropConnectionAsync();
                    var delay = TimeSpan.FromTicks(Math.Min(options.RetryMaxDelay.Ticks, options.RetryBaseDelay.Ticks << Math.Min(attempt, 20)));
                    if (started.Elapsed + delay > options.RetryTimeout)
                    {
                        throw new TimeoutException($"The answer of request '{answer.RequestId}' was not confirmed by RabbitMQ within {options.RetryTimeout}.", e);
                    }
                    logger.LogWarning(e, "Publishing the answer of request {RequestId} failed (attempt {Attempt}); reconnecting in {Delay}", answer.RequestId, attempt + 1, delay);
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            await DropConnectionAsync();
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IChannel> EnsureChannelAsync(CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true } open)
        {
            return open;
        }
        await DropConnectionAsync();
        connection = await factory.CreateConnectionAsync(cancellationToken);
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
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
            if (conn is not null)
            {
                await conn.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug(e, "Closing the RabbitMQ connection for call answers failed.");
        }
    }
}
