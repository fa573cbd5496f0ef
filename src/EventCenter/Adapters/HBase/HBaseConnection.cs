using System.Net.Sockets;
using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using Thrift;
using Thrift.Transport;
using Thrift.Transport.Client;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// One TCP connection to the Thrift2 server carrying the generated <see cref="THBaseService.Client"/>. One call
/// at a time. The server's declared exceptions become <see cref="HBaseIOException"/> /
/// <see cref="HBaseIllegalArgumentException"/> and leave the connection usable; any transport or protocol failure
/// (and a timeout or cancellation mid-call, which leaves the stream out of step) closes it for good and becomes an
/// <see cref="HBaseTransportException"/>.
/// </summary>
internal sealed class HBaseConnection : IDisposable
{
    // Fewer, larger socket writes than the library's 1 KiB default; a putMultiple request is often ~100 KB.
    private const int BufferSize = 64 * 1024;
    private readonly TcpClient tcp;
    private readonly HBaseOptions options;
    private readonly HBaseProtocol protocol;
    private readonly THBaseService.Client client;
    // One timer per connection, reset after each call: no allocation per call when the caller cannot cancel.
    private readonly CancellationTokenSource timer = new();
    private bool receiving;

    private HBaseConnection(TcpClient tcp, HBaseOptions options)
    {
        this.tcp = tcp;
        this.options = options;
        Endpoint = $"{options.Host}:{options.Port}";
        TTransport transport = new TSocketTransport(tcp, options.ToConfiguration());
        transport = options.Transport == HBaseTransport.Framed ? new TFramedTransport(transport) : new TBufferedTransport(transport, BufferSize);
        protocol = new HBaseProtocol(transport, OnReplyExpected);
        client = new THBaseService.Client(protocol);
    }

    /// <summary>"host:port", for messages.</summary>
    public string Endpoint { get; }

    /// <summary>True once the connection failed or was closed; it must not be used again.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Connects within <see cref="HBaseOptions.ConnectTimeout"/>; failures are <see cref="HBaseTransportError.ConnectFailed"/>.</summary>
    public static async Task<HBaseConnection> ConnectAsync(HBaseOptions options, CancellationToken cancellationToken)
    {
        // Connected here rather than by TSocketTransport: its host-name constructor connects synchronously without a
        // timeout, and its OpenAsync ignores cancellation.
        var tcp = new TcpClient { NoDelay = true };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.ConnectTimeout);
        try
        {
            await tcp.ConnectAsync(options.Host, options.Port, cts.Token).ConfigureAwait(false);
            return new HBaseConnection(tcp, options);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new HBaseTransportException(HBaseTransportError.ConnectFailed,
                $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new HBaseTransportException(HBaseTransportError.ConnectFailed, $"Cannot connect to {options.Host}:{options.Port}: {e.SocketErrorCode} ({e.Message}).", e);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Runs one generated call within <see cref="HBaseOptions.WriteTimeout"/> (sending) and <see cref="HBaseOptions.ReadTimeout"/> (the reply).</summary>
    public async ValueTask<T> CallAsync<TState, T>(TState state, Func<THBaseService.Client, TState, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        cancellationToken.ThrowIfCancellationRequested();
        receiving = false;
        timer.CancelAfter(options.WriteTimeout);
        var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timer);
        try
        {
            return await call(client, state, timer.Token).ConfigureAwait(false);
        }
        catch (TIOError e)
        {
            // Servers older than the canRetry field do not send it: then the call may be retried.
            throw new HBaseIOException(e.Message ?? "(no message)", canRetry: !e.__isset.canRetry || e.CanRetry);
        }
        catch (TIllegalArgument e)
        {
            throw new HBaseIllegalArgumentException(e.Message ?? "(no message)");
        }
        catch (TApplicationException e) when (!timer.IsCancellationRequested)
        {
            // The whole reply was read (unknown method, handler crash, no result): the stream is still in step.
            throw new HBaseIOException($"The Thrift2 server at {Endpoint} failed {protocol.Method} ({e.Type}): {e.Message}", canRetry: false);
        }
        catch (Exception e)
        {
            // Anything else may have left half a request in the write buffer or half a reply unread.
            Invalidate();
            if (e is TException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                throw Fail(e, cancellationToken);
            }
            throw;
        }
        finally
        {
            // Unregister first so that a late cancellation by the caller cannot hit the next call's timer.
            registration.Dispose();
            if (!timer.TryReset())
            {
                Invalidate();
            }
        }
    }

    /// <summary>
    /// True when the idle connection can no longer be used: broken, or the peer closed it (e.g. a server restart)
    /// or sent bytes while no call was in flight.
    /// </summary>
    public bool IsStale()
    {
        if (IsBroken)
        {
            return true;
        }
        try
        {
            if (tcp.Client.Poll(0, SelectMode.SelectRead))
            {
                Invalidate();
                return true;
            }
            return false;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Invalidate();
            return true;
        }
    }

    public void Dispose()
    {
        Invalidate();
        client.Dispose();
        timer.Dispose();
    }

    private void OnReplyExpected()
    {
        receiving = true;
        timer.CancelAfter(options.ReadTimeout);
    }

    private void Invalidate()
    {
        IsBroken = true;
        tcp.Dispose();
    }

    private Exception Fail(Exception e, CancellationToken cancellationToken)
    {
        var method = protocol.Method;
        var what = receiving ? $"receiving the reply to {method}" : $"sending {method}";
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException($"Cancelled while {what} ({Endpoint}); the connection was closed.", e, cancellationToken);
        }
        if (timer.IsCancellationRequested)
        {
            var timeout = receiving ? options.ReadTimeout : options.WriteTimeout;
            return new HBaseTransportException(HBaseTransportError.Timeout, $"Timed out after {timeout.TotalMilliseconds:0} ms while {what} ({Endpoint}).", e);
        }
        return e switch
        {
            TTransportException { Type: TTransportException.ExceptionType.EndOfFile } => new HBaseTransportException(HBaseTransportError.Closed, protocol.ReplyStarted
                ? $"{Endpoint} closed the connection in the middle of a message (the reply to {method})."
                : $"{Endpoint} closed the connection before replying to {method}.", e),
            TTransportException { Type: TTransportException.ExceptionType.NotOpen } or ObjectDisposedException =>
                new HBaseTransportException(HBaseTransportError.Closed, $"The connection to {Endpoint} was closed while {what}.", e),
            TException => new HBaseTransportException(HBaseTransportError.Protocol, $"Undecodable data from {Endpoint} while {what}: {e.GetType().Name}: {e.Message}", e),
            IOException { InnerException: SocketException s } => SocketError(s, what, e),
            SocketException s => SocketError(s, what, e),
            _ => new HBaseTransportException(HBaseTransportError.Closed, $"The connection to {Endpoint} failed while {what}: {e.Message}", e),
        };
    }

    private HBaseTransportException SocketError(SocketException s, string what, Exception e) =>
        new(HBaseTransportError.SocketError, $"Socket error while {what} ({Endpoint}): {s.SocketErrorCode}.", e);
}
