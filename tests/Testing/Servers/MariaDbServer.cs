using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// A MariaDB 10.11 server from Debian's package: <c>mariadb-install-db</c>, then <c>mariadbd --user=mysql</c>
/// started as root directly (the pid is the server's), bound to 127.0.0.1 on a free port, utf8mb4, with a ROW
/// format binary log (tests use it as a change-data-capture source). Data, socket, binlog and logs live under a
/// kept temp directory. A test account with all privileges (replication included) is created at start.
/// SQL is run through Debian's <c>mariadb</c> command-line client, so no .NET MySQL driver is needed here.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    /// <summary>The test account (all privileges, replication included).</summary>
    public const string User = "fptest";

    /// <summary>The test account's password.</summary>
    public const string Password = "fptest-pw";

    private const string OsUserName = "mysql";

    // Smaller than the 96 MiB default: the data directory is copied from a template for each server.
    private const string InnoDbLogFileSize = "--innodb-log-file-size=16M";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<string> serverArguments;
    private ServerProcess? process;

    private MariaDbServer(string directory, int port, IReadOnlyList<string> serverArguments)
    {
        DataDirectory = directory;
        Port = port;
        this.serverArguments = serverArguments;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>The server's directory (data/, binlog/, run/, logs).</summary>
    public string DataDirectory { get; }

    /// <summary>The Unix socket (root may log in through it without a password).</summary>
    public string SocketPath => Path.Combine(DataDirectory, "run", "mariadbd.sock");

    /// <summary>How long preparing the data directory took (mariadb-install-db once per machine, then a copy of its result).</summary>
    public TimeSpan DataDirectoryTime { get; private set; }

    /// <summary>How long the first start took until SQL ran.</summary>
    public TimeSpan InitialStartupTime { get; private set; }

    /// <summary>How long the last start took until SQL ran.</summary>
    public TimeSpan LastStartupTime { get; private set; }

    /// <summary>True while mariadbd runs.</summary>
    public bool IsRunning => process?.IsRunning == true;

    /// <summary>mariadbd's pid.</summary>
    public int? Pid => process?.Pid;

    /// <summary>Installs a fresh data directory and starts the server.</summary>
    public static async Task<MariaDbServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var dir = TestPaths.NewServerDirectory("mariadb");
        OsUser.MakeTraversable(dir);
        var data = Path.Combine(dir, "data");
        foreach (var sub in new[] { Path.Combine(dir, "binlog"), Path.Combine(dir, "run"), Path.Combine(dir, "tmp") })
        {
            await OsUser.CreateOwnedDirectoryAsync(sub, OsUserName);
        }

        var stopwatch = Stopwatch.StartNew();
        string[] installArguments = ["--no-defaults", $"--user={OsUserName}", "--skip-test-db", "--skip-name-resolve", InnoDbLogFileSize];
        await DataDirectoryTemplate.CopyAsync("mariadb", "/usr/sbin/mariadbd", string.Join(' ', installArguments), data, async template =>
        {
            await OsUser.CreateOwnedDirectoryAsync(template, OsUserName);
            var (exitCode, output) = await ServerProcess.RunAsync(
                "/usr/bin/mariadb-install-db", [.. installArguments, $"--datadir={template}"], TimeSpan.FromSeconds(120), workingDirectory: dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "install-db.log"), output, cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"mariadb-install-db failed ({exitCode}):\n{output}");
            }
        });
        var installTime = stopwatch.Elapsed;

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort.Next();
            string[] args =
            [
                "--no-defaults", $"--user={OsUserName}", $"--datadir={data}",
                "--bind-address=127.0.0.1", $"--port={port.ToString(CultureInfo.InvariantCulture)}",
                $"--socket={Path.Combine(dir, "run", "mariadbd.sock")}", $"--pid-file={Path.Combine(dir, "run", "mariadbd.pid")}",
                $"--tmpdir={Path.Combine(dir, "tmp")}", "--skip-name-resolve",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                $"--log-bin={Path.Combine(dir, "binlog", "mariadb-bin")}", "--binlog-format=ROW", "--binlog-row-image=FULL",
                "--server-id=1", "--max-connections=300", InnoDbLogFileSize,
            ];
            var server = new MariaDbServer(dir, port, args) { DataDirectoryTime = installTime };
            try
            {
                await server.StartServerAsync(cancellationToken);
                return server;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = new InvalidOperationException($"{e.Message}\n{server.TailLog()}", e);
                await server.StopAsync(); // not DisposeAsync: the next attempt reuses the data directory
            }
        }
        throw last!;
    }

    /// <summary>ADO.NET (MySqlConnector) connection string for <paramref name="database"/>.</summary>
    public string ConnectionString(string? database = null) =>
        $"Server={Host};Port={Port.ToString(CultureInfo.InvariantCulture)};User ID={User};Password={Password};"
        + (database is null ? string.Empty : $"Database={database};")
        + "SslMode=None;CharSet=utf8mb4;";

    /// <summary>Creates a database with a unique name (utf8mb4) and returns the name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "db", CancellationToken cancellationToken = default)
    {
        var name = UniqueName.For(prefix);
        await ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>
    /// Runs SQL through the <c>mariadb</c> client over TCP as the test account; returns its tab-separated
    /// output without column names. Throws with the client's message and the server log on failure.
    /// </summary>
    public async Task<string> ExecuteAsync(string sql, string? database = null, CancellationToken cancellationToken = default)
    {
        List<string> args =
        [
            "--no-defaults", "--protocol=TCP", $"--host={Host}", $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
            $"--user={User}", $"--password={Password}", "--batch", "--skip-column-names", "--execute", sql,
        ];
        if (database is not null)
        {
            args.Add(database);
        }
        var (exitCode, output) = await ServerProcess.RunAsync("/usr/bin/mariadb", args, TimeSpan.FromSeconds(60));
        cancellationToken.ThrowIfCancellationRequested();
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"mariadb client failed ({exitCode}) running: {sql}\n{output}\n{TailLog()}");
    }

    /// <summary>Graceful shutdown (SIGTERM); data kept for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (process is not null)
        {
            await process.StopAsync(TimeSpan.FromSeconds(60));
            await process.DisposeAsync();
            process = null;
        }
    }

    /// <summary>Kills mariadbd at once (SIGKILL), as a crash would (InnoDB recovers on the next start).</summary>
    public async Task KillAsync()
    {
        if (process is not null)
        {
            await process.KillAsync();
            await process.DisposeAsync();
            process = null;
        }
    }

    /// <summary>Starts the stopped server again on the same port and data.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        IsRunning ? throw new InvalidOperationException("MariaDB is already running.") : StartServerAsync(cancellationToken);

    /// <summary>The end of the server's log, for failure messages.</summary>
    public string TailLog(int maxChars = 6000) => LogTail.Of(Path.Combine(DataDirectory, "mariadbd.log"), maxChars);

    /// <summary>Stops the server; deletes data and binary logs, keeps the server log.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DataDirectoryTemplate.DeleteQuietly(Path.Combine(DataDirectory, "data"));
        DataDirectoryTemplate.DeleteQuietly(Path.Combine(DataDirectory, "binlog"));
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        process = ServerProcess.Start("mariadbd", "/usr/sbin/mariadbd", serverArguments, Path.Combine(DataDirectory, "mariadbd.log"), workingDirectory: DataDirectory);
        var current = process;
        await FreePort.WaitListeningAsync(Port, StartTimeout, () => current.IsRunning);
        // root@localhost authenticates by unix_socket: we are root. Create (or keep) the TCP test account.
        var sql = $"CREATE USER IF NOT EXISTS '{User}'@'%' IDENTIFIED BY '{Password}'; "
            + $"GRANT ALL PRIVILEGES ON *.* TO '{User}'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;";
        while (true)
        {
            var (exitCode, output) = await ServerProcess.RunAsync(
                "/usr/bin/mariadb", ["--no-defaults", $"--socket={SocketPath}", "--user=root", "--execute", sql], TimeSpan.FromSeconds(30));
            if (exitCode == 0)
            {
                break;
            }
            if (!current.IsRunning || stopwatch.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"MariaDB did not accept the set-up SQL ({exitCode}): {output}");
            }
            await Task.Delay(20, cancellationToken);
        }
        LastStartupTime = stopwatch.Elapsed;
        if (InitialStartupTime == TimeSpan.Zero)
        {
            InitialStartupTime = LastStartupTime;
        }
    }
}
