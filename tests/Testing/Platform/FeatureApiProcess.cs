using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Platform;

/// <summary>
/// The FeatureApi host run as a child process (<c>dotnet FeaturePlatform.FeatureApi.dll</c>) for multi-process tests:
/// configured by environment variables only (its content root has no appsettings.json), bound to a free port, its
/// output kept in a log, stopped or killed by pid.
/// </summary>
public sealed class FeatureApiProcess : IAsyncDisposable
{
    private readonly ServerProcess process;

    private FeatureApiProcess(ServerProcess process, int port, string directory)
    {
        this.process = process;
        Port = port;
        Directory = directory;
    }

    /// <summary>The HTTP port.</summary>
    public int Port { get; }

    /// <summary>The process's folder (content root, log, embedded data).</summary>
    public string Directory { get; }

    /// <summary>Operating-system process id.</summary>
    public int Pid => process.Pid;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => process.IsRunning;

    /// <summary>The host's DLL as built next to the repository's FeatureApi project (same configuration as the caller).</summary>
    public static string DllPath
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(TestPaths.RepoRoot, "src", "FeatureApi", "bin", configuration, "net10.0", "FeaturePlatform.FeatureApi.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build src/FeatureApi ({configuration}) first: {path} is missing.");
        }
    }

    /// <summary>Starts a host and waits until <c>/health/ready</c> answers 200.</summary>
    /// <param name="name">Name for messages and the folder.</param>
    /// <param name="configuration">Configuration keys (<c>EventCenter:Bus:Kind</c>…) → values, passed as environment variables.</param>
    /// <param name="readyTimeout">How long start-up may take.</param>
    /// <param name="launcher">
    /// When set, a command the host's command line is appended to, which execs it (so <see cref="Pid"/> is still the
    /// host's) in a placement the host and everything it starts (its worker processes) keep: e.g. <c>taskset -c 1</c>
    /// pins them to core 1.
    /// </param>
    /// <param name="hostDll">The host's DLL to run; default <see cref="DllPath"/> (e.g. a release made by <c>scripts/publish.sh</c>).</param>
    public static async Task<FeatureApiProcess> StartAsync(string name, IReadOnlyDictionary<string, string> configuration, TimeSpan readyTimeout, IReadOnlyList<string>? launcher = null,
        string? hostDll = null)
    {
        var directory = TestPaths.NewServerDirectory(name);
        var port = FreePort.Next();
        var environment = configuration.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        environment["DOTNET_gcServer"] = "0";
        environment.TryAdd("EventCenter__DataDirectory", Path.Combine(directory, "data"));
        string[] command = ["dotnet", hostDll ?? DllPath, "--contentRoot", directory, "--urls", $"http://127.0.0.1:{port}"];
        if (launcher is not null)
        {
            command = [.. launcher, .. command];
        }
        var server = ServerProcess.Start(name, command[0], command[1..], Path.Combine(directory, "host.log"), environment, directory);
        var host = new FeatureApiProcess(server, port, directory);
        try
        {
            await host.WaitReadyAsync(readyTimeout);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>The last part of the log, for failure messages.</summary>
    public string TailLog(int maxChars = 8000) => process.TailLog(maxChars);

    /// <summary>Each process's state and the tail of its log, under its name, for a failed test's output.</summary>
    public static string LogTails(IEnumerable<(string Name, FeatureApiProcess Process)> processes, int maxChars = 6000) =>
        string.Join("\n", processes.Select(p => $"===== {p.Name} (pid {p.Process.Pid}, running {p.Process.IsRunning}) log tail:\n{p.Process.TailLog(maxChars)}"));

    /// <summary>As above, the processes named <paramref name="prefix"/> and their index.</summary>
    public static string LogTails(string prefix, IEnumerable<FeatureApiProcess> processes, int maxChars = 6000) =>
        LogTails(processes.Select((p, i) => ($"{prefix}{i}", p)), maxChars);

    /// <summary>Kills the process with SIGKILL, as a crash would.</summary>
    public Task KillAsync() => process.KillAsync();

    /// <summary>Stops the process (SIGTERM, then kill after <paramref name="grace"/>).</summary>
    public Task StopAsync(TimeSpan grace) => process.StopAsync(grace);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => process.DisposeAsync();

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(5) };
        await ReadyProbe.WaitAsync(client, process, process.Name, timeout);
    }
}
