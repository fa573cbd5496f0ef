using System.Globalization;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>
/// A platform host (<c>dotnet FeaturePlatform.FeatureApi.dll</c>) running inside one namespace of a
/// <c>NetnsNetwork</c>, as <c>ip netns exec &lt;ns&gt; dotnet … --urls http://&lt;address&gt;:<see cref="HttpPort"/></c>;
/// configured by environment variables only. <c>ip netns exec</c> execs the command, so <see cref="Pid"/> is the
/// host's own pid and <see cref="KillAsync"/> kills it and its worker processes.
/// </summary>
public sealed class ClusterHost : IAsyncDisposable
{
    /// <summary>The HTTP port every host listens on (each host has an address of its own).</summary>
    public const int HttpPort = 5080;

    private readonly ServerProcess process;

    private ClusterHost(string name, ClusterRole role, NetnsSlot slot, ServerProcess process)
    {
        Name = name;
        Role = role;
        Slot = slot;
        this.process = process;
    }

    /// <summary>Name used in messages, logs and folders.</summary>
    public string Name { get; }

    /// <summary>The host's role.</summary>
    public ClusterRole Role { get; }

    /// <summary>The namespace it runs in.</summary>
    public NetnsSlot Slot { get; }

    /// <summary>Base address of its HTTP API (reachable from the root namespace and from the other hosts).</summary>
    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://{Slot.Address}:{HttpPort}"));

    /// <summary>Operating-system pid of the host.</summary>
    public int Pid => process.Pid;

    /// <summary>True while the host runs.</summary>
    public bool IsRunning => process.IsRunning;

    /// <summary>
    /// Starts a host of <paramref name="role"/> in <paramref name="slot"/> with <paramref name="configuration"/> (plus the
    /// role's settings) and waits until <c>/health/ready</c> answers 200.
    /// </summary>
    public static Task<ClusterHost> StartAsync(string name, ClusterRole role, NetnsSlot slot, IReadOnlyDictionary<string, string> configuration, TimeSpan readyTimeout)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(configuration);
        var directory = TestPaths.NewServerDirectory(name);
        var environment = configuration.Concat(ClusterRoles.Settings(role))
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key.Replace(":", "__", StringComparison.Ordinal), g => g.Last().Value);
        environment["DOTNET_gcServer"] = "0";
        environment.TryAdd("EventCenter__DataDirectory", Path.Combine(directory, "data"));
        return StartInNamespaceAsync(name, role, slot, directory, environment, readyTimeout,
            "dotnet", FeatureApiProcess.DllPath, "--contentRoot", directory, "--urls", string.Create(CultureInfo.InvariantCulture, $"http://{slot.Address}:{HttpPort}"));
    }

    /// <summary>
    /// Starts a host from a systemd unit file through <c>deploy/run-unit.sh</c> (the unit's own Environment= and
    /// ExecStart= lines) in <paramref name="slot"/>, with <paramref name="configuration"/> written to an environment
    /// file that takes the place of the unit's EnvironmentFile= (plus FP_HOME = <paramref name="home"/> or the built
    /// host, FP_DATA = a fresh folder, FP_LISTEN = the slot's address, FP_PORT = <see cref="HttpPort"/>); waits until it
    /// is ready.
    /// </summary>
    public static async Task<ClusterHost> StartUnitAsync(string name, ClusterRole role, NetnsSlot slot, string unitFile, IReadOnlyDictionary<string, string> configuration,
        TimeSpan readyTimeout, string? home = null)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(configuration);
        var directory = TestPaths.NewServerDirectory(name);
        var lines = configuration.Select(kv => $"{kv.Key.Replace(":", "__", StringComparison.Ordinal)}={kv.Value}").Concat(
        [
            "FP_HOME=" + (home ?? Path.GetDirectoryName(FeatureApiProcess.DllPath)),
            "FP_DATA=" + directory,
            "FP_LISTEN=" + slot.Address,
            "FP_PORT=" + HttpPort.ToString(CultureInfo.InvariantCulture),
            "EventCenter__DataDirectory=" + Path.Combine(directory, "data"),
        ]);
        var envFile = Path.Combine(directory, "featureplatform.env");
        await File.WriteAllLinesAsync(envFile, ["# written by the cluster harness in place of /etc/featureplatform/featureplatform.env", .. lines]);
        var environment = new Dictionary<string, string> { ["FP_ENV_FILE"] = envFile };
        return await StartInNamespaceAsync(name, role, slot, directory, environment, readyTimeout,
            "/bin/bash", Path.Combine(TestPaths.RepoRoot, "deploy", "run-unit.sh"), unitFile);
    }

    private static async Task<ClusterHost> StartInNamespaceAsync(string name, ClusterRole role, NetnsSlot slot, string directory,
        IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout, params string[] command)
    {
        var server = ServerProcess.Start(name, Netns.Ip, ["netns", "exec", slot.Namespace, .. command], Path.Combine(directory, "host.log"), environment, directory);
        var host = new ClusterHost(name, role, slot, server);
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

    /// <summary>A client of this host's API (the caller disposes it).</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null) => new() { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>SIGKILL to the host and its process tree (its runtime workers), as a machine crash would.</summary>
    public Task KillAsync() => process.KillAsync();

    /// <summary>SIGTERM, then kill after <paramref name="grace"/>: a clean shutdown as systemd's stop does it.</summary>
    public Task StopAsync(TimeSpan grace) => process.StopAsync(grace);

    /// <summary>The last part of the host's log.</summary>
    public string TailLog(int maxChars = 8000) => process.TailLog(maxChars);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => process.DisposeAsync();

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = CreateClient(TimeSpan.FromSeconds(5));
        await ReadyProbe.WaitAsync(client, process, Name, timeout);
    }
}
