using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Testing.Infrastructure;
using Npgsql;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// A PostgreSQL 15 server from Debian's package: initdb and postgres run as the <c>postgres</c> user (through
/// setpriv, so the pid is the postmaster's), bound to 127.0.0.1 on a free port with its socket and data under a
/// kept temp directory. Stopped by pid with a fast shutdown (SIGINT).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private const string OsUserName = "postgres";
    private const int SIGINT = 2;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<string> serverArguments;
    private ServerProcess? process;

    private PostgresServer(string directory, int port, IReadOnlyList<string> serverArguments)
    {
        DataDirectory = directory;
        Port = port;
        this.serverArguments = serverArguments;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>The server's directory (data/, sock/, logs).</summary>
    public string DataDirectory { get; }

    /// <summary>Superuser (trust authentication on 127.0.0.1).</summary>
    public string UserName => OsUserName;

    /// <summary>Connection string to the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    /// <summary>How long initdb took.</summary>
    public TimeSpan InitDbTime { get; private set; }

    /// <summary>How long the last start took until a connection succeeded.</summary>
    public TimeSpan LastStartupTime { get; private set; }

    /// <summary>True while the postmaster runs.</summary>
    public bool IsRunning => process?.IsRunning == true;

    /// <summary>The postmaster's pid.</summary>
    public int? Pid => process?.Pid;

    /// <summary>Creates a cluster with initdb and starts it.</summary>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= PostgresServerOptions.Default;
        var dir = TestPaths.NewServerDirectory("postgres");
        OsUser.MakeTraversable(dir);
        var data = Path.Combine(dir, "data");
        var sockets = Path.Combine(dir, "sock");
        await OsUser.CreateOwnedDirectoryAsync(data, OsUserName);
        await OsUser.CreateOwnedDirectoryAsync(sockets, OsUserName);

        var stopwatch = Stopwatch.StartNew();
        var (initFile, initArgs) = OsUser.As(OsUserName, Path.Combine(BinDir, "initdb"),
            ["-D", data, "-U", OsUserName, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        var (exitCode, output) = await ServerProcess.RunAsync(initFile, initArgs, TimeSpan.FromSeconds(120), workingDirectory: dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "initdb.log"), output, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed ({exitCode}):\n{output}");
        }
        var initDbTime = stopwatch.Elapsed;

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort.Next();
            var settings = new Dictionary<string, string>
            {
                ["listen_addresses"] = "127.0.0.1",
                ["unix_socket_directories"] = sockets,
                ["fsync"] = options.Fsync ? "on" : "off",
                ["max_connections"] = options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (k, v) in options.Settings)
            {
                settings[k] = v;
            }
            List<string> args = ["-D", data, "-p", port.ToString(CultureInfo.InvariantCulture)];
            foreach (var (k, v) in settings)
            {
                args.Add("-c");
                args.Add($"{k}={v}");
            }
            var server = new PostgresServer(dir, port, args) { InitDbTime = initDbTime };
            try
            {
                await server.StartServerAsync(cancellationToken);
                return server;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = new InvalidOperationException($"{e.Message}\n{server.TailLog()}", e);
                await server.DisposeAsync();
            }
        }
        throw last!;
    }

    /// <summary>Npgsql connection string for <paramref name="database"/>.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = OsUserName,
        Database = database,
        Timeout = 15,
    }.ConnectionString;

    /// <summary>Creates a database with a unique name; returns its Npgsql connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "db", CancellationToken cancellationToken = default)
    {
        var name = UniqueName.For(prefix);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Fast shutdown (SIGINT: clients disconnected, clean checkpoint); data kept for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }
        if (process.IsRunning)
        {
            _ = NativeSignals.Kill(process.Pid, SIGINT);
            var deadline = Stopwatch.StartNew();
            while (process.IsRunning && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }
        }
        await process.DisposeAsync(); // SIGTERM and kill the tree if it is somehow still running.
        process = null;
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Kills the postmaster and its backends at once, as a crash would (recovery runs on the next start).</summary>
    public async Task KillAsync()
    {
        if (process is not null)
        {
            await process.KillAsync();
            await process.DisposeAsync();
            process = null;
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>Starts the stopped server again on the same port and data.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        IsRunning ? throw new InvalidOperationException("PostgreSQL is already running.") : StartServerAsync(cancellationToken);

    /// <summary>The end of the server's log, for failure messages.</summary>
    public string TailLog(int maxChars = 6000) => LogTail.Of(Path.Combine(DataDirectory, "postgres.log"), maxChars);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (file, args) = OsUser.As(OsUserName, Path.Combine(BinDir, "postgres"), serverArguments);
        process = ServerProcess.Start("postgres", file, args, Path.Combine(DataDirectory, "postgres.log"), workingDirectory: DataDirectory);
        var current = process;
        await FreePort.WaitListeningAsync(Port, StartTimeout, () => current.IsRunning);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
                await connection.OpenAsync(cancellationToken);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CannotConnectNow && stopwatch.Elapsed < StartTimeout && current.IsRunning)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
        LastStartupTime = stopwatch.Elapsed;
    }
}
