using System.Net.Sockets;
using System.Text.Json;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// The worker role of the platform binary (<c>worker --socket PATH</c>): connects to its host over the Unix domain socket,
/// starts the embedded interpreter with the host's settings, and serves the host's runs (<see cref="WorkerServer"/>)
/// until the host closes the connection. Author code runs here, never in the host.
/// </summary>
public static class WorkerProcess
{
    /// <summary>Runs the worker; returns the process exit code (0 when the host closed the connection).</summary>
    /// <param name="args">The arguments after <c>worker</c>: <c>--socket PATH</c>.</param>
    /// <param name="error">Where start-up problems are written.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        if (args is not ["--socket", var path])
        {
            await error.WriteLineAsync("usage: worker --socket PATH (started by the runtime host; see docs/workers.md)");
            return 2;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var channel = new WorkerChannel(socket);
        // Connected, and the settings read, with blocking calls on a thread of their own (awaited here): a socket that ever
        // ran an asynchronous operation stays non-blocking for good, and the server's receive thread needs blocking reads
        // (WorkerChannel.ReceiveFrame).
        var init = await Task.Factory.StartNew(() =>
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            using var frame = channel.ReceiveFrame();
            return frame is { Type: FrameType.Init } ? frame.Payload.ToArray() : null;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (init is null)
        {
            await error.WriteLineAsync("worker: the host sent no settings");
            return 2;
        }
        PythonHostOptions options;
        TimeSpan heartbeat;
        using (var reader = new BinaryReader(new MemoryStream(init)))
        {
            options = JsonSerializer.Deserialize<PythonHostOptions>(reader.ReadString()) ?? new PythonHostOptions();
            heartbeat = TimeSpan.FromTicks(reader.ReadInt64());
        }
        var host = await PythonHost.StartAsync(options);
        var server = new WorkerServer(channel, host, heartbeat);
        channel.Send(FrameType.Ready, w => w.Write(host.Installation.Version));
        await server.ServeAsync();
        // The host is gone (it closed the connection or died): end now, without Environment.Exit: that runs the process-exit
        // handlers, and the interpreter's (pythonnet's shutdown) waits for the GIL, which a computation in C code may hold
        // for hours, so a killed host's busy worker lived on as an orphan spinning on its core (issue 20).
        ImmediateExit.Exit(0);
        return 0;
    }
}
