using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>Kinds of messages between a host and a worker.</summary>
internal enum FrameType : byte
{
    /// <summary>Host → worker: the interpreter settings (first message).</summary>
    Init = 1,

    /// <summary>Host → worker: run a job on a batch of events (one message per batch).</summary>
    Run = 2,

    /// <summary>Host → worker: the answer to a read.</summary>
    ReadAnswer = 3,

    /// <summary>Host → worker: import a job module and answer its declaration, version and parameter values.</summary>
    Describe = 4,

    /// <summary>Worker → host: the interpreter runs (answer to Init).</summary>
    Ready = 10,

    /// <summary>Worker → host: a read of the logic (fetch or history) for the host's data source.</summary>
    Read = 11,

    /// <summary>Worker → host: the outcomes of a run (or its host error).</summary>
    Result = 12,

    /// <summary>Worker → host: alive, and how long its most overdue computation is past its deadline.</summary>
    Heartbeat = 13,

    /// <summary>Worker → host: outcomes of calls as they finish (several calls, of several runs, per message).</summary>
    CallOutcomes = 14,

    /// <summary>Worker → host: the answer to a <see cref="Describe"/> (the runner's state, or why the import could not run).</summary>
    Described = 15,
}

/// <summary>
/// A framed, bidirectional channel over a connected Unix domain socket: each message is a 4-byte little-endian length,
/// a <see cref="FrameType"/> byte and the payload (written with <see cref="BinaryWriter"/>). Sends from any thread are
/// serialised; one reader receives.
/// </summary>
internal sealed class WorkerChannel(Socket socket) : IDisposable
{
    private const int HeaderSize = 5;
    private const int MaxFrame = 256 << 20;
    private readonly Lock sendLock = new();
    private readonly byte[] header = new byte[HeaderSize];
    private int disposed;

    [ThreadStatic]
    private static MemoryStream? t_buffer;

    /// <summary>Sends one message (blocking only while the socket's buffer is full).</summary>
    /// <exception cref="IOException">The connection is gone.</exception>
    public void Send(FrameType type, Action<BinaryWriter> write)
    {
        var buffer = t_buffer ??= new MemoryStream(4096);
        buffer.SetLength(0);
        buffer.Write(stackalloc byte[HeaderSize]);
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }
        var bytes = buffer.GetBuffer();
        var length = (int)buffer.Length;
        BinaryPrimitives.WriteInt32LittleEndian(bytes, length - HeaderSize);
        bytes[4] = (byte)type;
        if (buffer.Capacity > 16 << 20)
        {
            t_buffer = null; // a huge batch does not pin its buffer on this thread
        }
        try
        {
            lock (sendLock)
            {
                var sent = 0;
                while (sent < length)
                {
                    sent += socket.Send(bytes.AsSpan(sent, length - sent), SocketFlags.None);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new IOException("the worker connection is closed", e);
        }
    }

    /// <summary>Receives the next message; null when the peer closed the connection.</summary>
    public async Task<(FrameType Type, byte[] Payload)?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (await ReceiveFrameAsync(cancellationToken) is not { } frame)
        {
            return null;
        }
        using (frame)
        {
            return (frame.Type, frame.Payload.ToArray());
        }
    }

    /// <summary>
    /// Receives the next message into a pooled buffer (a batch's run or result is often larger than the large-object
    /// heap's threshold: allocating one per message costs a full collection now and then); the caller disposes the frame
    /// once it has read it. Null when the peer closed the connection.
    /// </summary>
    public async Task<Frame?> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(header, cancellationToken))
        {
            return null;
        }
        var length = PayloadLength();
        var payload = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (length > 0 && !await FillAsync(payload.AsMemory(0, length), cancellationToken))
            {
                throw new IOException("the connection closed within a frame");
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(payload);
            throw;
        }
        return new Frame((FrameType)header[4], payload, length);
    }

    /// <summary>
    /// <see cref="ReceiveFrameAsync"/> with blocking reads, for a thread that only receives (the worker's: each message is
    /// handled where it was read, where an asynchronous read has the epoll thread wake a thread-pool thread per message).
    /// The socket must never have run an asynchronous operation: .NET then makes it non-blocking for good and emulates a
    /// blocking read with those same two hops.
    /// </summary>
    public Frame? ReceiveFrame()
    {
        if (!Fill(header))
        {
            return null;
        }
        var length = PayloadLength();
        var payload = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (length > 0 && !Fill(payload.AsSpan(0, length)))
            {
                throw new IOException("the connection closed within a frame");
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(payload);
            throw;
        }
        return new Frame((FrameType)header[4], payload, length);
    }

    /// <summary>The payload length the header just read gives.</summary>
    private int PayloadLength()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        return length is < 0 or > MaxFrame ? throw new IOException($"bad frame length {length}") : length;
    }

    private bool Fill(Span<byte> target)
    {
        var read = 0;
        while (read < target.Length)
        {
            int n;
            try
            {
                n = socket.Receive(target[read..], SocketFlags.None);
            }
            catch (SocketException)
            {
                return false;
            }
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    private async Task<bool> FillAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < target.Length)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(target[read..], SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already gone
        }
        socket.Dispose();
    }
}

/// <summary>A received message whose payload is a pooled buffer, returned on <see cref="Dispose"/>.</summary>
internal sealed class Frame(FrameType type, byte[] buffer, int length) : IDisposable
{
    private byte[]? buffer = buffer;

    /// <summary>The message's kind.</summary>
    public FrameType Type { get; } = type;

    /// <summary>The payload (valid until disposed).</summary>
    public ReadOnlySpan<byte> Payload => buffer.AsSpan(0, length);

    /// <summary>A reader over the payload (valid until disposed).</summary>
    public BinaryReader Reader() => new(new MemoryStream(buffer ?? throw new ObjectDisposedException(nameof(Frame)), 0, length, writable: false));

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref buffer, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
