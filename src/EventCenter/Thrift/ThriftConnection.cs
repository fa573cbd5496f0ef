using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>
/// One TCP connection speaking Thrift's binary protocol over the buffered or framed transport. Not thread-safe:
/// one call at a time. Any transport or protocol failure marks it <see cref="IsBroken"/> and closes the socket.
/// </summary>
internal sealed class ThriftConnection : IAsyncDisposable
{
    private const int InitialReceiveSize = 64 * 1024;
    private readonly Socket socket;
    private readonly ThriftConnectionOptions options;
    private readonly ThriftMessageScanner scanner;
    private readonly CancellationTokenSource timeoutSource = new();
    private byte[] receive;
    private int start;
    private int end;
    private int disposed;

    private ThriftConnection(Socket socket, ThriftConnectionOptions options, string endpoint)
    {
        this.socket = socket;
        this.options = options;
        Endpoint = endpoint;
        scanner = new ThriftMessageScanner(options.Limits);
        receive = ArrayPool<byte>.Shared.Rent(InitialReceiveSize);
        Writer = new ThriftBinaryWriter();
    }

    /// <summary>"host:port", for messages.</summary>
    public string Endpoint { get; }

    /// <summary>The request being built; start it with <see cref="BeginRequest"/>.</summary>
    public ThriftBinaryWriter Writer { get; }

    /// <summary>True once the connection failed or was closed; it must not be used again.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Decoding limits of this connection.</summary>
    public ThriftLimits Limits => options.Limits;

    public static async Task<ThriftConnection> ConnectAsync(string host, int port, ThriftConnectionOptions options, CancellationToken cancellationToken)
    {
        var endpoint = $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            return new ThriftConnection(socket, options, endpoint);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ThriftTransportException(ThriftTransportError.ConnectFailed, $"Connecting to {endpoint} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ThriftTransportException(ThriftTransportError.ConnectFailed, $"Cannot connect to {endpoint}: {e.SocketErrorCode} ({e.Message}).", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Clears the writer for a new request (reserving the frame header when framed).</summary>
    public void BeginRequest() => Writer.Reset(options.Transport == ThriftTransportKind.Framed ? 4 : 0);

    /// <summary>Sends the request built in <see cref="Writer"/>.</summary>
    public async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        ReadOnlyMemory<byte> payload = Writer.WrittenMemory;
        if (options.Transport == ThriftTransportKind.Framed)
        {
            var frameLength = payload.Length - 4;
            if (frameLength > options.MaxFrameSize)
            {
                throw new ArgumentException($"The request is {frameLength} bytes, above the maximum frame size of {options.MaxFrameSize} bytes; send smaller batches.");
            }
            Writer.PatchI32(0, frameLength);
        }
        var token = StartTimer(options.WriteTimeout, cancellationToken, out var linked);
        try
        {
            while (!payload.IsEmpty)
            {
                var sent = await socket.SendAsync(payload, SocketFlags.None, token).ConfigureAwait(false);
                payload = payload[sent..];
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            throw Fail(e, "sending", options.WriteTimeout, cancellationToken);
        }
        finally
        {
            StopTimer(linked);
        }
    }

    /// <summary>
    /// Receives one whole message and returns its bytes (without the frame header). The memory stays valid
    /// until the next receive on this connection.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        Compact();
        var token = StartTimer(options.ReadTimeout, cancellationToken, out var linked);
        try
        {
            if (options.Transport == ThriftTransportKind.Framed)
            {
                await FillAsync(4, token).ConfigureAwait(false);
                var frameLength = BinaryPrimitives.ReadInt32BigEndian(receive.AsSpan(start, 4));
                if (frameLength <= 0 || frameLength > options.MaxFrameSize)
                {
                    throw new ThriftProtocolException(ThriftProtocolError.FrameTooLarge, $"Frame length {frameLength} is outside 1..{options.MaxFrameSize}.");
                }
                await FillAsync(4 + frameLength, token).ConfigureAwait(false);
                var frame = receive.AsMemory(start + 4, frameLength);
                start += 4 + frameLength;
                return frame;
            }
            scanner.Reset();
            while (true)
            {
                var length = scanner.TryFindEnd(receive.AsSpan(start, end - start));
                if (length >= 0)
                {
                    var message = receive.AsMemory(start, length);
                    start += length;
                    return message;
                }
                if (end - start >= options.Limits.MaxMessageSize)
                {
                    throw new ThriftProtocolException(ThriftProtocolError.FrameTooLarge, $"The message is larger than the limit of {options.Limits.MaxMessageSize} bytes.");
                }
                await ReadMoreAsync(end - start + 1, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or ThriftProtocolException or ThriftTransportException)
        {
            throw Fail(e, "receiving", options.ReadTimeout, cancellationToken);
        }
        finally
        {
            StopTimer(linked);
        }
    }

    /// <summary>
    /// True when the idle connection can no longer be used: broken, or the peer closed it (e.g. a server
    /// restart) or sent unexpected bytes while no call was in flight.
    /// </summary>
    public bool IsStale()
    {
        if (IsBroken)
        {
            return true;
        }
        try
        {
            if (start != end || socket.Poll(0, SelectMode.SelectRead))
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

    /// <summary>Marks the connection unusable and closes it (after a protocol error found by the caller).</summary>
    public void Invalidate()
    {
        IsBroken = true;
        socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            Invalidate();
            timeoutSource.Dispose();
            Writer.Dispose();
            var r = receive;
            receive = [];
            ArrayPool<byte>.Shared.Return(r);
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask FillAsync(int count, CancellationToken token)
    {
        while (end - start < count)
        {
            await ReadMoreAsync(count, token).ConfigureAwait(false);
        }
    }

    private async ValueTask ReadMoreAsync(int wanted, CancellationToken token)
    {
        EnsureSpace(wanted);
        var n = await socket.ReceiveAsync(receive.AsMemory(end), SocketFlags.None, token).ConfigureAwait(false);
        if (n == 0)
        {
            throw new ThriftTransportException(
                ThriftTransportError.Closed,
                end == start ? $"{Endpoint} closed the connection." : $"{Endpoint} closed the connection in the middle of a message ({end - start} bytes received).");
        }
        end += n;
    }

    private void Compact()
    {
        if (start == end)
        {
            start = end = 0;
            if (receive.Length > 4 * 1024 * 1024)
            {
                ArrayPool<byte>.Shared.Return(receive);
                receive = ArrayPool<byte>.Shared.Rent(InitialReceiveSize);
            }
        }
    }

    /// <summary>Makes room for <paramref name="wanted"/> bytes from <see cref="start"/> and a useful read after <see cref="end"/>.</summary>
    private void EnsureSpace(int wanted)
    {
        const int MinRead = 4096;
        var live = end - start;
        if (receive.Length - start >= wanted && receive.Length - end >= MinRead)
        {
            return;
        }
        long size = receive.Length;
        while (size < wanted || size - live < MinRead)
        {
            size *= 2;
        }
        if (size > Array.MaxLength)
        {
            throw new ThriftProtocolException(ThriftProtocolError.FrameTooLarge, $"A message of {wanted} bytes cannot be buffered.");
        }
        var target = size == receive.Length ? receive : ArrayPool<byte>.Shared.Rent((int)size);
        Buffer.BlockCopy(receive, start, target, 0, live);
        if (!ReferenceEquals(target, receive))
        {
            ArrayPool<byte>.Shared.Return(receive);
            receive = target;
        }
        start = 0;
        end = live;
    }

    private CancellationToken StartTimer(TimeSpan timeout, CancellationToken cancellationToken, out CancellationTokenSource? linked)
    {
        if (cancellationToken.CanBeCanceled)
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            linked.CancelAfter(timeout);
            return linked.Token;
        }
        linked = null;
        timeoutSource.CancelAfter(timeout);
        return timeoutSource.Token;
    }

    private void StopTimer(CancellationTokenSource? linked)
    {
        if (linked is not null)
        {
            linked.Dispose();
        }
        else if (!timeoutSource.TryReset())
        {
            // The timer fired: this connection is broken anyway (Fail invalidated it), nothing to reuse.
            IsBroken = true;
        }
    }

    private Exception Fail(Exception e, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Invalidate();
        return e switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested => new OperationCanceledException($"Cancelled while {what} ({Endpoint}); the connection was closed.", e, cancellationToken),
            OperationCanceledException => new ThriftTransportException(ThriftTransportError.Timeout, $"Timed out after {timeout.TotalMilliseconds:0} ms while {what} ({Endpoint}).", e),
            SocketException s => new ThriftTransportException(ThriftTransportError.SocketError, $"Socket error while {what} ({Endpoint}): {s.SocketErrorCode}.", e),
            ObjectDisposedException => new ThriftTransportException(ThriftTransportError.Closed, $"The connection to {Endpoint} was closed while {what}.", e),
            _ => e,
        };
    }
}
