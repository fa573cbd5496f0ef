using System.Net;
using System.Net.Sockets;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>
/// Relays TCP connections accepted on <c>listen address:port</c> (the bridge's address in the root namespace) to
/// <c>127.0.0.1:port</c>, where the fixtures (Kafka mock brokers, HBase Thrift server, …) listen. In-process, so it
/// goes away with the test process. Every connection's pumps are tracked and awaited on dispose.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly List<Task> connections = [];
    private readonly Task acceptLoop;

    private TcpRelay(IPAddress address, int port)
    {
        Port = port;
        listener = new TcpListener(address, port);
        listener.Start();
        acceptLoop = AcceptAsync();
    }

    /// <summary>The relayed port (same on both sides).</summary>
    public int Port { get; }

    /// <summary>Starts relaying <paramref name="address"/>:<paramref name="port"/> to 127.0.0.1:<paramref name="port"/>.</summary>
    public static TcpRelay Start(IPAddress address, int port) => new(address, port);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await acceptLoop;
        Task[] open;
        lock (gate)
        {
            open = [.. connections];
        }
        await Task.WhenAll(open);
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (gate)
            {
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var inbound = client;
        using var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        inbound.NoDelay = true;
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, Port, stop.Token);
            using var link = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            await using var a = new NetworkStream(inbound, ownsSocket: false);
            await using var b = new NetworkStream(outbound, ownsSocket: false);
            // When either direction ends (EOF, reset), close both so the other pump ends too.
            var up = PumpAsync(a, b, outbound, link);
            var down = PumpAsync(b, a, inbound, link);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            // The peer went away or the relay stops: the connection ends, as a real network path would end it.
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, Socket toSocket, CancellationTokenSource link)
    {
        try
        {
            await from.CopyToAsync(to, 64 * 1024, link.Token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            await link.CancelAsync();
        }
    }
}
