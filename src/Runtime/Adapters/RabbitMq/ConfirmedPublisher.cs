using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FeaturePlatform.Runtime.Adapters.RabbitMq;

/// <summary>A message for <see cref="ConfirmedPublisher"/>.</summary>
internal sealed record AmqpMessage(string Exchange, string RoutingKey, BasicProperties Properties, ReadOnlyMemory<byte> Body);

/// <summary>
/// Publishes to RabbitMQ with publisher confirms over one connection of its own (opened on first use): a publish
/// completes once the broker confirmed every message; transient failures drop the connection and retry with
/// back-off for <see cref="RabbitMqOutputOptions.RetryTimeout"/>; permanent ones (missing exchange, refused access,
/// precondition, an unroutable mandatory message) fail at once. Shared by the RabbitMQ output and call answers.
/// </summary>
internal sealed class ConfirmedPublisher(RabbitMqOutputOptions options, string name, ILogger logger) : IAsyncDisposable
{
    private readonly ConnectionFactory factory = new()
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

    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;
    private IChannel? channel;
    private long reconnects;
    private bool disposed;

    /// <summary>Reconnections after a failure.</summary>
    public long Reconnects => Interlocked.Read(ref reconnects);

    /// <summary>Publishes <paramref name="messages"/>; completes when the broker confirmed them all.</summary>
    /// <exception cref="TimeoutException">Not confirmed within the retry timeout.</exception>
    public async Task PublishAsync(IReadOnlyList<AmqpMessage> messages, CancellationToken cancellationToken)
    {
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
                    return;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
                {
                    await DropConnectionAsync();
                    var delay = new EventCenter.Resilience.Backoff(options.RetryBaseDelay, options.RetryMaxDelay).DelayAfter(attempt + 1);
                    if (started.Elapsed + delay > options.RetryTimeout)
                    {
                        throw new TimeoutException($"{name}: {messages.Count} messages not confirmed within {options.RetryTimeout} ({attempt + 1} attempts).", e);
                    }
                    logger.LogWarning(e, "{Publisher}: publishing {Count} messages failed (attempt {Attempt}); reconnecting in {Delay}.", name, messages.Count, attempt + 1, delay);
                    await Task.Delay(delay, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    // The caller gave up while a connect or publish was failing: report the cancellation, not the
                    // failure it interrupted (which a retry would otherwise have handled).
                    await DropConnectionAsync();
                    throw new OperationCanceledException($"{name}: publishing {messages.Count} messages was cancelled.", e, cancellationToken);
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

    /// <summary>
    /// Whether <paramref name="exchange"/> exists: a passive declare on a channel of this publisher's connection (opened
    /// if needed; a missing exchange closes only that channel). Null when the broker cannot answer within
    /// <paramref name="timeout"/> (unreachable, or a publish holding the connection is retrying).
    /// </summary>
    public async Task<bool?> ExchangeExistsAsync(string exchange, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await gate.WaitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            await EnsureChannelAsync(false, limit.Token);
            return await DeclarePassiveAsync(connection!, exchange, limit.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ObjectDisposedException)
        {
            // Unreachable or too slow: the broker cannot say now. The next publish reconnects.
            logger.LogDebug(e, "{Publisher}: could not check exchange '{Exchange}'.", name, exchange);
            await DropConnectionAsync();
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<bool> DeclarePassiveAsync(IConnection open, string exchange, CancellationToken cancellationToken)
    {
        var probe = await open.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await probe.ExchangeDeclarePassiveAsync(exchange, cancellationToken);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
        finally
        {
            try
            {
                await probe.DisposeAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogDebug(e, "{Publisher}: closing the probe channel failed.", name);
            }
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

    /// <summary>Failures a reconnect and retry can cure; not: missing exchange, refused access, precondition, return.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PublishException p => !p.IsReturn,
        OperationInterruptedException { ShutdownReason.ReplyCode: 403 or 404 or 406 } => false,
        BrokerUnreachableException { InnerException: AuthenticationFailureException } => false,
        ArgumentException => false,
        _ => true,
    };

    private async Task PublishAllAsync(IChannel ch, IReadOnlyList<AmqpMessage> messages, CancellationToken cancellationToken)
    {
        // No cancellation token goes into the client's publish: in 7.1.x a cancelled publish can corrupt the channel's
        // confirm tracking. Cancellation and the confirm timeout abandon the wait instead, and the caller drops the
        // connection, which fails the outstanding publishes.
        var publishes = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            publishes[i] = ch.BasicPublishAsync(m.Exchange, m.RoutingKey, options.Mandatory, m.Properties, m.Body, CancellationToken.None).AsTask();
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
            logger.LogInformation("{Publisher}: reconnected to {Host}.", name, options.Uri.Host);
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
            logger.LogDebug(e, "{Publisher}: closing the channel failed.", name);
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
            logger.LogDebug(e, "{Publisher}: closing the connection failed.", name);
        }
    }
}
