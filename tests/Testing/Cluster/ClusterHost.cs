using System.Globalization;
using System.Net;
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
    public static async Task<ClusterHost> StartAsync(string name, ClusterRole role, NetnsSlot slot, IReadOnlyDictionary<string, string> configuration, TimeSpan readyTimeout)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(configuration);
        var directory = TestPaths.NewServerDirectory(name);
        var environment = configuration.Concat(ClusterRoles.Settings(role))
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key.Replace(":", "__", StringComparison.Ordinal), g => g.Last().Value);
        environment["DOTNET_gcServer"] = "0";
        environment.TryAdd("EventCenter__DataDirectory", Path.Combine(directory, "data"));
        var server = ServerProcess.Start(name, Netns.Ip,
            ["netns", "exec", slot.Namespace, "dotnet", FeatureApiProcess.DllPath, "--contentRoot", directory,
             "--urls", string.Create(CultureInfo.InvariantCulture, $"http://{slot.Address}:{HttpPort}")],
            Path.Combine(directory, "host.log"), environment, directory);
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
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"{Name} exited during start-up. Log:\n{TailLog()}");
            }
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout} (last: {last}). Log:\n{TailLog()}");
    }
}
