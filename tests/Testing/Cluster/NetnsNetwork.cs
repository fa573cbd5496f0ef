using System.Globalization;
using System.Net;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>
/// N network namespaces, each joined by a veth pair to a bridge in the root namespace: separate "machines" with their
/// own addresses on one private /24 (10.X.Y.0/24, picked so it collides with no address or route in use). The bridge
/// holds 10.X.Y.1 (<see cref="Gateway"/>); namespace i holds 10.X.Y.(10+i).
/// <para>
/// Shared services listen on loopback in the root namespace (the fixtures do), and the Kafka mock advertises
/// 127.0.0.1 to its clients. So each relayed port P is reachable as 127.0.0.1:P inside every namespace too: a
/// <c>socat</c> in the namespace forwards 127.0.0.1:P → <see cref="Gateway"/>:P across the veth, and a
/// <see cref="TcpRelay"/> in this process forwards Gateway:P → 127.0.0.1:P. Hosts keep the same configuration as on
/// one machine, every byte to a service crosses the namespace's link, and cutting the link cuts the host off.
/// </para>
/// Names: namespaces <c>fpc&lt;pid&gt;&lt;run&gt;-&lt;i&gt;</c>, bridge <c>fpc&lt;pid&gt;&lt;run&gt;b</c>, veths
/// <c>fpc&lt;pid&gt;&lt;run&gt;v&lt;i&gt;</c>; leftovers of dead processes are removed by <see cref="CreateAsync"/>.
/// </summary>
public sealed class NetnsNetwork : IAsyncDisposable
{
    private static int runs;
    private readonly string bridge;
    private readonly List<TcpRelay> relays = [];
    private readonly List<ServerProcess> forwarders = [];
    private readonly List<NetnsSlot> slots = [];

    private NetnsNetwork(string name, string subnet)
    {
        Name = name;
        bridge = name + "b";
        Subnet = subnet;
    }

    /// <summary>The run's name prefix (<c>fpc&lt;pid&gt;&lt;run letter&gt;</c>).</summary>
    public string Name { get; }

    /// <summary>The first three octets of the network ("10.123.45").</summary>
    public string Subnet { get; }

    /// <summary>The bridge's address in the root namespace: where the shared services are reached from the namespaces.</summary>
    public string Gateway => Subnet + ".1";

    /// <summary>The namespaces.</summary>
    public IReadOnlyList<NetnsSlot> Slots => slots;

    /// <summary>The ports relayed into every namespace.</summary>
    public IReadOnlyList<int> RelayedPorts => [.. relays.Select(r => r.Port)];

    /// <summary>
    /// Removes stale harness objects, then creates the bridge, <paramref name="namespaces"/> namespaces and the relays
    /// of <paramref name="relayedPorts"/>. Throws (after removing what it made) when a step fails.
    /// </summary>
    public static async Task<NetnsNetwork> CreateAsync(int namespaces, IReadOnlyList<int> relayedPorts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(namespaces, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(namespaces, 200);
        if (Netns.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException("Network namespaces are not available: " + reason);
        }
        await Netns.RemoveStaleAsync();
        var run = Interlocked.Increment(ref runs) - 1;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(run, 25, "networks per test process");
        var name = string.Create(CultureInfo.InvariantCulture, $"{Netns.Prefix}{Environment.ProcessId}{(char)('a' + run)}");
        var network = new NetnsNetwork(name, await FreeSubnetAsync());
        try
        {
            await network.BuildAsync(namespaces, relayedPorts);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes slot <paramref name="index"/>'s link down (the host is cut off from services and other hosts) or up.</summary>
    public Task SetLinkAsync(int index, bool up) => Netns.IpAsync("link", "set", slots[index].RootVeth, up ? "up" : "down");

    /// <summary>Runs a command inside slot <paramref name="index"/>'s namespace to completion.</summary>
    public Task<(int ExitCode, string Output)> ExecAsync(int index, string fileName, params string[] arguments) =>
        ServerProcess.RunAsync(Netns.Ip, ["netns", "exec", slots[index].Namespace, fileName, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Stops the forwarders and relays, kills whatever still runs in the namespaces, deletes them and the bridge.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var forwarder in forwarders)
        {
            await forwarder.KillAsync();
            await forwarder.DisposeAsync();
        }
        foreach (var slot in slots)
        {
            await Netns.DeleteNamespaceAsync(slot.Namespace);
        }
        await ServerProcess.RunAsync(Netns.Ip, ["link", "del", bridge], TimeSpan.FromSeconds(30));
        foreach (var relay in relays)
        {
            await relay.DisposeAsync();
        }
    }

    private async Task BuildAsync(int namespaces, IReadOnlyList<int> relayedPorts)
    {
        await Netns.IpAsync("link", "add", bridge, "type", "bridge");
        await Netns.IpAsync("addr", "add", Gateway + "/24", "dev", bridge);
        await Netns.IpAsync("link", "set", bridge, "up");
        for (var i = 0; i < namespaces; i++)
        {
            var slot = new NetnsSlot(i, string.Create(CultureInfo.InvariantCulture, $"{Name}-{i}"),
                string.Create(CultureInfo.InvariantCulture, $"{Subnet}.{10 + i}"), string.Create(CultureInfo.InvariantCulture, $"{Name}v{i}"));
            var peer = string.Create(CultureInfo.InvariantCulture, $"{Name}p{i}");
            await Netns.IpAsync("netns", "add", slot.Namespace);
            slots.Add(slot);
            await Netns.IpAsync("link", "add", slot.RootVeth, "type", "veth", "peer", "name", peer);
            await Netns.IpAsync("link", "set", peer, "netns", slot.Namespace);
            await Netns.IpAsync("link", "set", slot.RootVeth, "master", bridge);
            await Netns.IpAsync("link", "set", slot.RootVeth, "up");
            await Netns.IpAsync("-n", slot.Namespace, "link", "set", "lo", "up");
            await Netns.IpAsync("-n", slot.Namespace, "link", "set", peer, "name", "eth0");
            await Netns.IpAsync("-n", slot.Namespace, "addr", "add", slot.Address + "/24", "dev", "eth0");
            await Netns.IpAsync("-n", slot.Namespace, "link", "set", "eth0", "up");
        }
        foreach (var port in relayedPorts.Distinct())
        {
            relays.Add(TcpRelay.Start(IPAddress.Parse(Gateway), port));
            foreach (var slot in slots)
            {
                var p = port.ToString(CultureInfo.InvariantCulture);
                forwarders.Add(ServerProcess.Start($"relay-{slot.Namespace}-{p}", Netns.Ip,
                    ["netns", "exec", slot.Namespace, Netns.Socat, $"TCP-LISTEN:{p},bind=127.0.0.1,fork,reuseaddr", $"TCP:{Gateway}:{p}"],
                    Path.Combine(Path.GetTempPath(), "featureplatform-tests", Name, $"relay-{slot.Index}-{p}.log")));
            }
        }
        foreach (var slot in slots)
        {
            await WaitForwardersAsync(slot, relayedPorts);
        }
    }

    private async Task WaitForwardersAsync(NetnsSlot slot, IReadOnlyList<int> ports)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, listening) = await ExecAsync(slot.Index, "/usr/bin/ss", "-Hltn");
            var missing = ports.Where(p => !listening.Contains(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p} "), StringComparison.Ordinal)).ToList();
            if (missing.Count == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"socat in {slot.Namespace} is not listening on {string.Join(", ", missing)}: {listening}");
            }
            await Task.Delay(50);
        }
    }

    private static async Task<string> FreeSubnetAsync()
    {
        var used = await Netns.IpAsync("-4", "-o", "addr", "show") + await Netns.IpAsync("-4", "route", "show");
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var subnet = string.Create(CultureInfo.InvariantCulture, $"10.{Random.Shared.Next(100, 200)}.{Random.Shared.Next(0, 256)}");
            if (!used.Contains(subnet + ".", StringComparison.Ordinal))
            {
                return subnet;
            }
        }
        throw new InvalidOperationException("No free 10.x.y.0/24 subnet found.");
    }
}
