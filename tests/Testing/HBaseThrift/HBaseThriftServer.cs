using System.Globalization;
using System.Text;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>
/// An HBase Thrift2 (<c>THBaseService</c>) server for tests: <c>server.py</c> run by Debian's Python with
/// Apache Thrift's own (C-accelerated) codec, code generated at start from the project's <c>hbase.thrift</c> (the IDL
/// the C# client is generated from, <c>src/EventCenter/Adapters/HBase/Generated/</c>).
/// Cells live in memory: <see cref="RestartAsync"/> keeps the port but loses every table and cell.
/// Faults are driven over an HTTP control port (see README.md next to server.py).
/// </summary>
public sealed partial class HBaseThriftServer : IAsyncDisposable
{
    /// <summary>Debian's interpreter, which sees python3-thrift (pyenv's <c>python3</c> does not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly string[] ScriptFiles =
    [
        "thriftgen.py", "hbase_store.py", "hbase_filters.py", "hbase_handler.py", "faults.py", "server.py",
        "thrift_client.py", "smoke_client.py", "client_bench.py", "test_handler.py",
    ];

    private static readonly Dictionary<string, string> PythonEnvironment = new()
    {
        ["PYTHONDONTWRITEBYTECODE"] = "1",
        ["PYTHONUNBUFFERED"] = "1",
    };

    private readonly HttpClient control;
    private ServerProcess? process;

    private HBaseThriftServer(HBaseThriftServerOptions options, string directory, int port, int controlPort)
    {
        Options = options;
        ServerDirectory = directory;
        Port = port;
        ControlPort = controlPort;
        control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        // One connection per control call: Python's http.server may close a kept-alive connection at any moment, and
        // a request sent on such a pooled connection fails with "the response ended prematurely".
        control.DefaultRequestHeaders.ConnectionClose = true;
    }

    /// <summary>The options the server was started with.</summary>
    public HBaseThriftServerOptions Options { get; }

    /// <summary>Always the loopback address.</summary>
    public string Host => "127.0.0.1";

    /// <summary>Thrift port (kept across <see cref="RestartAsync"/>).</summary>
    public int Port { get; }

    /// <summary>HTTP control port for faults, tables and statistics.</summary>
    public int ControlPort { get; }

    /// <summary>Directory holding the copied scripts, the generated code (<c>gen/</c>) and the log.</summary>
    public string ServerDirectory { get; }

    /// <summary>Generated Python code (<c>hbase_thrift2</c> package) for Python clients.</summary>
    public string GenDirectory => Path.Combine(ServerDirectory, "gen");

    /// <summary>The kept server log.</summary>
    public string LogPath => Path.Combine(ServerDirectory, "server.log");

    /// <summary>Process id of the running server, or null when stopped.</summary>
    public int? Pid => process is { IsRunning: true } p ? p.Pid : null;

    /// <summary>True while the server process runs.</summary>
    public bool IsRunning => process is { IsRunning: true };

    /// <summary>Prepares a server directory (scripts + generated code) and starts the server.</summary>
    public static async Task<HBaseThriftServer> StartAsync(HBaseThriftServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HBaseThriftServerOptions();
        var directory = TestPaths.NewServerDirectory("hbase-thrift");
        var source = ScriptSourceDirectory();
        foreach (var file in ScriptFiles)
        {
            File.Copy(Path.Combine(source, file), Path.Combine(directory, file), overwrite: true);
        }
        File.Copy(IdlPath(), Path.Combine(directory, "hbase.thrift"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(directory, "gen"));
        var (exit, output) = await ServerProcess.RunAsync(
            "thrift", ["--gen", "py", "-out", Path.Combine(directory, "gen"), Path.Combine(directory, "hbase.thrift")],
            TimeSpan.FromSeconds(60), workingDirectory: directory);
        if (exit != 0)
        {
            throw new InvalidOperationException($"thrift --gen py failed ({exit}): {output}");
        }
        var server = new HBaseThriftServer(options, directory, FreePort.Next(), FreePort.Next());
        try
        {
            await server.StartProcessAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The project's IDL: copied next to the test assembly, else in the repository.</summary>
    public static string IdlPath()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "HBaseThrift", "hbase.thrift");
        return File.Exists(copied)
            ? copied
            : Path.Combine(TestPaths.RepoRoot, "src", "EventCenter", "Storage", "HBase", "Generated", "hbase.thrift");
    }

    /// <summary>Where the scripts are: copied next to the test assembly, else in the repository.</summary>
    public static string ScriptSourceDirectory()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "HBaseThrift");
        return File.Exists(Path.Combine(copied, "server.py"))
            ? copied
            : Path.Combine(TestPaths.RepoRoot, "tests", "Testing", "HBaseThrift");
    }

    /// <summary>Stops the server (SIGTERM by pid), as an outage would; <see cref="RestartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
            process = null;
        }
    }

    /// <summary>
    /// Stops (if running) and starts the server again on the same ports. All data is lost unless
    /// <see cref="HBaseThriftServerOptions.KeepDataAcrossRestarts"/> is set.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <summary>The end of the server log, for failure messages.</summary>
    public string TailLog(int maxChars = 8000)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length <= maxChars ? text : text[^maxChars..];
        }
        catch (IOException e)
        {
            return $"(log {LogPath} unreadable: {e.Message})";
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        control.Dispose();
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var offset = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;
        process = ServerProcess.Start("hbase-thrift2", Python, Arguments(), LogPath, PythonEnvironment, ServerDirectory);
        var deadline = DateTime.UtcNow + Options.StartTimeout;
        var ready = $"READY {Port}";
        while (!ReadLogFrom(offset).Contains(ready, StringComparison.Ordinal))
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"HBase Thrift fixture exited before READY.\n{TailLog()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"HBase Thrift fixture not READY within {Options.StartTimeout}.\n{TailLog()}");
            }
            await Task.Delay(25, cancellationToken);
        }
    }

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length <= offset)
            {
                return "";
            }
            stream.Position = offset;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private List<string> Arguments()
    {
        var args = new List<string>
        {
            Path.Combine(ServerDirectory, "server.py"),
            "--host", Host,
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--control-port", ControlPort.ToString(CultureInfo.InvariantCulture),
            "--transport", TransportName,
            "--protocol", ProtocolName,
            "--gen-dir", GenDirectory,
            "--default-max-versions", Options.DefaultMaxVersions.ToString(CultureInfo.InvariantCulture),
            "--scanner-timeout-ms", ((long)Options.ScannerTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        };
        if (Options.DiscardWrites)
        {
            args.Add("--discard-writes");
        }
        if (Options.KeepDataAcrossRestarts)
        {
            args.AddRange(["--state-file", Path.Combine(ServerDirectory, "state.pickle")]);
        }
        if (Options.AutoCreateTables is { } auto)
        {
            args.AddRange(["--auto-create", auto ? "on" : "off"]);
        }
        foreach (var table in Options.Tables)
        {
            foreach (var family in table.Families)
            {
                var ttl = family.TimeToLive is { } t ? (long)Math.Ceiling(t.TotalSeconds) : 0;
                args.AddRange(["--table", FormattableString.Invariant($"{table.Name}:{family.Name}:{family.MaxVersions}:{ttl}")]);
            }
        }
        return args;
    }

    private string TransportName => Options.Transport == HBaseThriftTransport.Framed ? "framed" : "buffered";

    private string ProtocolName => Options.Protocol == HBaseThriftProtocol.Compact ? "compact" : "binary";
}
