using System.Diagnostics;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// A rebalance storm: while orders flow, worker hosts join and leave one after another (a new host joins, one stops
/// cleanly, one is killed, the stopped one comes back); every acknowledged order is stored once and computed.
/// </summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class RebalanceStormTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [NetnsFact]
    public async Task Hosts_joining_and_leaving_while_events_flow_lose_nothing()
    {
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 4, ClusterRole.Api, ClusterRole.Worker, ClusterRole.Worker);
        try
        {
            await cluster.ProduceAsync(0, 3);
            await cluster.WaitComputedAsync(3, Deadline);
            var orders = 3;
            var steps = new (string What, Func<Task> Act)[]
            {
                ("worker3 joins", () => cluster.StartHostAsync(3, ClusterRole.Worker)),
                ("worker1 stops (SIGTERM)", () => cluster.Hosts[1]!.StopAsync(TimeSpan.FromSeconds(30))),
                ("worker2 killed (SIGKILL)", () => cluster.Hosts[2]!.KillAsync()),
                ("worker1 rejoins", () => cluster.StartHostAsync(1, ClusterRole.Worker)),
            };
            foreach (var (what, act) in steps)
            {
                // Orders are in flight during every membership change.
                var produce = cluster.ProduceAsync(orders, orders + 2);
                await act();
                await produce;
                orders += 2;
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {what}; {orders} orders per user produced");
            }
            var clock = Stopwatch.StartNew();
            await cluster.WaitComputedAsync(orders, Deadline);
            var recovery = clock.Elapsed;
            var computing = await cluster.SlotsComputingAsync();
            Assert.True(computing.IsSubsetOf([1, 3]) && computing.Count > 0, $"last rows computed by slots {string.Join(",", computing)}, expected the running workers 1 and 3");
            await cluster.MeasureAsync("rebalance-storm", orders, recovery,
                $"join, clean leave, crash, rejoin while {ClusterScenario.Users} users' orders flowed; last rows computed by slots {string.Join(",", computing.Order())}");
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    private bool Dump(ClusterScenario cluster)
    {
        output.WriteLine(cluster.Logs());
        return false;
    }
}
