using FeaturePlatform.Runtime.Calls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FeaturePlatform.Runtime.Adapters.RabbitMq;

/// <summary>
/// Publishes the answers of request–message calls to RabbitMQ with publisher confirms: one persistent JSON message
/// (<see cref="CallAnswer.ToJson"/>) per call at the caller's exchange and routing key, <c>message_id</c> and
/// <c>correlation_id</c> = the request id (a re-delivered call may publish its answer again; callers de-duplicate by
/// it), header <c>fp-request-id</c>.
/// </summary>
/// <remarks>
/// Connection settings and retry timing are those of <see cref="RabbitMqOutputOptions"/> (defaults). A publish completes
/// once the broker confirmed it; connection failures are retried (reconnect with back-off) for
/// <see cref="RabbitMqOutputOptions.RetryTimeout"/>; a missing exchange, refused access or an answer no queue receives
/// (published as mandatory) fails at once with <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class CallReplyPublisher : ICallReplyPublisher
{
    /// <summary>Header carrying the request id.</summary>
    public const string RequestIdHeader = "fp-request-id";

    /// <summary>How long an exchange found to exist is taken to exist without asking the broker again.</summary>
    public static readonly TimeSpan ExistsFor = TimeSpan.FromSeconds(10);

    /// <summary>How long an exchange found missing is taken to be missing (short: a caller declares it and retries).</summary>
    public static readonly TimeSpan MissingFor = TimeSpan.FromSeconds(1);

    /// <summary>Longest a POST waits for the broker to say whether an exchange exists; after it, the call is accepted.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    private readonly ConfirmedPublisher publisher;
    private readonly TimeProvider clock;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (bool Exists, long Until)> exchanges = new(StringComparer.Ordinal);
    private long published;

    /// <summary>Creates the publisher for the broker at <paramref name="uri"/>; it connects on first publish.</summary>
    /// <param name="uri">The broker.</param>
    /// <param name="logger">Where failures are logged.</param>
    /// <param name="clock">The clock of the exchange cache. Default: the system clock.</param>
    public CallReplyPublisher(Uri uri, ILogger? logger = null, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(uri);
        // Exchange "" here only means "declare nothing up front": each answer names its own exchange.
        // Mandatory: an answer no queue receives (a routing key nobody binds) comes back and is reported, not
        // confirmed by the broker and dropped.
        var options = new RabbitMqOutputOptions { Uri = uri, Exchange = "", ClientName = "featureplatform-call-replies", Mandatory = true };
        options.Validate();
        publisher = new ConfirmedPublisher(options, "RabbitMQ call answers", logger ?? NullLogger.Instance);
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
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = answer.RequestId,
            CorrelationId = answer.RequestId,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { [RequestIdHeader] = answer.RequestId },
        };
        try
        {
            await publisher.PublishAsync([new AmqpMessage(target.Exchange, target.RoutingKey, properties, answer.ToJson())], cancellationToken);
            Interlocked.Increment(ref published);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not TimeoutException && !ConfirmedPublisher.IsTransient(e))
        {
            var reason = e is OperationInterruptedException interrupted ? interrupted.ShutdownReason?.ReplyText : e.Message;
            throw new InvalidOperationException($"RabbitMQ refused the answer of request '{answer.RequestId}' to exchange '{target.Exchange}': {reason}", e);
        }
    }

    /// <summary>
    /// Whether the broker has <paramref name="exchange"/> (a passive declare; "" always exists), remembered for
    /// <see cref="ExistsFor"/> (found) or <see cref="MissingFor"/> (missing); null when the broker does not answer within
    /// <see cref="CheckTimeout"/>.
    /// </summary>
    public async Task<bool?> ExchangeExistsAsync(string exchange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (exchange.Length == 0)
        {
            return true;
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (exchanges.TryGetValue(exchange, out var known) && known.Until > now)
        {
            return known.Exists;
        }
        var exists = await publisher.ExchangeExistsAsync(exchange, CheckTimeout, cancellationToken);
        if (exists is { } answer)
        {
            var ttl = answer ? ExistsFor : MissingFor;
            exchanges[exchange] = (answer, clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)ttl.TotalMilliseconds);
        }
        return exists;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => publisher.DisposeAsync();
}
