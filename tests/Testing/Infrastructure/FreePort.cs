using System.Net;
using System.Net.Sockets;

namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>Free TCP ports on 127.0.0.1, asked of the OS so parallel test runs never collide.</summary>
public static class FreePort
{
    /// <summary>Returns a port that was free a moment ago on the loopback interface.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/>.</summary>
    public static async Task WaitListeningAsync(int port, TimeSpan timeout, Func<bool>? stillAlive = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                if (stillAlive is not null && !stillAlive())
                {
                    throw new InvalidOperationException($"The server process exited before listening on port {port}.");
                }
                await Task.Delay(50);
            }
        }
    }
}
