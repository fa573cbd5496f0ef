using System.Globalization;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>The harness's own hygiene: leftovers of a crashed run are removed, a live run's are kept, its own are removed on dispose.</summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class NetnsNetworkTests
{
    [NetnsFact]
    public async Task Stale_namespaces_and_links_of_dead_runs_are_removed_and_live_ones_kept()
    {
        // A process that has exited: its pid names the "crashed run".
        var (_, pidText) = await ServerProcess.RunAsync("/bin/sh", ["-c", "echo $$"], TimeSpan.FromSeconds(30));
        var dead = int.Parse(pidText.Trim(), CultureInfo.InvariantCulture);
        Assert.False(NativeSignals.IsAlive(dead));
        var staleNamespace = $"{Netns.Prefix}{dead}z-0";
        var staleBridge = $"{Netns.Prefix}{dead}zb";
        // Pid 1 is alive: objects named after it stand for a parallel run and must survive.
        const string liveNamespace = "fpc1zz-0";
        await Netns.IpAsync("netns", "add", staleNamespace);
        await Netns.IpAsync("link", "add", staleBridge, "type", "bridge");
        await Netns.IpAsync("netns", "add", liveNamespace);
        try
        {
            string[] slots;
            await using (var network = await NetnsNetwork.CreateAsync(2, []))
            {
                var namespaces = await Netns.IpAsync("netns", "list");
                Assert.DoesNotContain(staleNamespace, namespaces, StringComparison.Ordinal);
                Assert.Contains(liveNamespace, namespaces, StringComparison.Ordinal);
                Assert.DoesNotContain(staleBridge, await Netns.IpAsync("-o", "link", "show"), StringComparison.Ordinal);
                slots = [.. network.Slots.Select(s => s.Namespace)];
                Assert.All(slots, s => Assert.Contains(s, namespaces, StringComparison.Ordinal));
                // The namespaces reach each other across the bridge (a closed port answers "refused"), and not when a link is down.
                var probe = $"exec 3<>/dev/tcp/{network.Slots[1].Address}/9";
                Assert.Contains("refused", (await network.ExecAsync(0, "/usr/bin/timeout", "5", "/bin/bash", "-c", probe)).Output, StringComparison.Ordinal);
                await network.SetLinkAsync(1, up: false);
                Assert.DoesNotContain("refused", (await network.ExecAsync(0, "/usr/bin/timeout", "5", "/bin/bash", "-c", probe)).Output, StringComparison.Ordinal);
            }
            var after = await Netns.IpAsync("netns", "list");
            Assert.All(slots, s => Assert.DoesNotContain(s, after, StringComparison.Ordinal));
        }
        finally
        {
            await Netns.DeleteNamespaceAsync(liveNamespace);
        }
    }
}
