using System.Diagnostics;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// Fault scenarios of a cluster (docs/deployment.md): an API host and worker hosts, each in its own network
/// namespace, on a shared Kafka mock and HBase server. Each scenario produces a first half of the orders, then the
/// rest, and injects its fault while that is being computed (or produced), then reports acknowledged / stored / duplicates / missing / recovery time
/// (<see cref="FaultReport"/>, under $TMPDIR/featureplatform-tests/cluster-faults) and asserts: every acknowledged
/// event stored once, every live result delivered (re-deliveries carry the same values) and every final feature row right.
/// </summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class ClusterFaultTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const int Half = 6;
    private const int Orders = 12;
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(120);

    /// <summary>How long a broker or the HBase server stays down: longer than the hosts' 6 s Kafka session timeout.</summary>
    private static readonly TimeSpan OutageLength = TimeSpan.FromSeconds(8);

    [NetnsFact]
    public async Task Worker_host_cut_off_mid_flow_and_back_loses_nothing()
    {
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 3, ClusterRole.Api, ClusterRole.Worker, ClusterRole.Worker);
        try
        {
            await StartFlowAsync(cluster);
            await SecondHalfUnderWayAsync(cluster);
            var clock = Stopwatch.StartNew();
            await cluster.Network.SetLinkAsync(2, up: false);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} link of worker2 down");
            await cluster.WaitComputedAsync(Orders, Recovery);
            var failover = clock.Elapsed;
            await cluster.Network.SetLinkAsync(2, up: true);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} link of worker2 up; the others took over in {failover.TotalSeconds:0.0} s");
            // Back on the network, the host rejoins and computes again: more orders, until it wrote some of them.
            var rejoin = Stopwatch.StartNew();
            var orders = Orders;
            while (!(await cluster.SlotsComputingAsync()).Contains(2))
            {
                Assert.True(rejoin.Elapsed < Recovery, "worker2 did not compute again after its link came back.\n" + cluster.Logs());
                await cluster.ProduceAsync(orders, orders + 1);
                orders++;
                await cluster.WaitComputedAsync(orders, Recovery);
            }
            Assert.True(cluster.Hosts[2]!.IsRunning, "the cut-off host survived the cut");
            await cluster.MeasureAsync("worker-link-cut", orders, failover,
                $"worker2's link down {failover.TotalSeconds:0.0} s mid-flow; survivors took over; back up, it computed again after {rejoin.Elapsed.TotalSeconds:0.0} s");
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    [NetnsFact]
    public async Task Worker_host_killed_mid_flow_loses_nothing()
    {
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 3, ClusterRole.Api, ClusterRole.Worker, ClusterRole.Worker);
        try
        {
            await StartFlowAsync(cluster);
            await SecondHalfUnderWayAsync(cluster);
            var clock = Stopwatch.StartNew();
            await cluster.Hosts[2]!.KillAsync();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} worker2 killed (SIGKILL, process tree)");
            await cluster.WaitComputedAsync(Orders, Recovery);
            var recovery = clock.Elapsed;
            Assert.Equal(new HashSet<int> { 1 }, await cluster.SlotsComputingAsync());
            await cluster.MeasureAsync("worker-killed", Orders, recovery, "worker2 SIGKILLed mid-flow; worker1 took over its partitions");
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    [NetnsFact]
    public async Task Kafka_broker_down_and_up_loses_nothing()
    {
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 3, ClusterRole.Api, ClusterRole.Worker, ClusterRole.Worker);
        try
        {
            await StartFlowAsync(cluster);
            // Kafka moves the groups' coordinators off a failed broker (their __consumer_offsets partitions fail over);
            // the mock does not, and a group whose coordinator stays down stops for the whole outage.
            foreach (var group in cluster.ConsumerGroups)
            {
                kafka.Cluster.SetGroupCoordinator(group, 2);
            }
            kafka.Cluster.TakeBrokerDown(1);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} broker 1 down");
            Stopwatch clock;
            try
            {
                // The second half is produced while broker 1 is down: its partitions wait (the mock has no leader fail-over),
                // the others flow. The broker stays down for OutageLength (longer than the 6 s session timeout) and
                // until some of the second half was computed through the other brokers.
                var produce = cluster.ProduceAsync(Half, Orders);
                var down = Stopwatch.StartNew();
                while (down.Elapsed < OutageLength || !await AnyComputedAsync(cluster, Half + 1))
                {
                    Assert.True(down.Elapsed < Recovery, "nothing of the second half was computed while broker 1 was down.\n" + cluster.Logs());
                    await Task.Delay(100);
                }
                kafka.Cluster.BringBrokerUp(1);
                clock = Stopwatch.StartNew();
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} broker 1 up after {down.Elapsed.TotalSeconds:0.0} s");
                await produce;
            }
            finally
            {
                kafka.Cluster.BringBrokerUp(1);
            }
            await cluster.WaitComputedAsync(Orders, Recovery);
            await cluster.MeasureAsync("kafka-broker-down-up", Orders, clock.Elapsed, "broker 1 of 3 down while the second half was produced, then up");
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    [NetnsFact]
    public async Task HBase_server_restarted_mid_flow_loses_nothing()
    {
        // A server of its own that keeps its data across the restart (as HBase behind a restarted Thrift gateway does).
        await using var server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { KeepDataAcrossRestarts = true });
        await using var cluster = await ClusterScenario.StartAsync(kafka, server, output, 3, ClusterRole.Api, ClusterRole.Worker, ClusterRole.Worker);
        try
        {
            await StartFlowAsync(cluster);
            var produce = cluster.ProduceAsync(Half, Orders);
            await server.StopAsync();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} HBase server stopped");
            var down = Stopwatch.StartNew();
            while (down.Elapsed < OutageLength)
            {
                await Task.Delay(100);
            }
            await server.RestartAsync();
            var clock = Stopwatch.StartNew();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} HBase server up again after {down.Elapsed.TotalSeconds:0.0} s");
            await produce;
            await cluster.WaitComputedAsync(Orders, Recovery);
            await cluster.MeasureAsync("hbase-restarted", Orders, clock.Elapsed,
                $"HBase Thrift server stopped for {OutageLength.TotalSeconds:0} s while the second half was produced, then restarted (data kept)");
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    /// <summary>Produces the first half and waits until both workers computed part of it (both own partitions).</summary>
    private async Task StartFlowAsync(ClusterScenario cluster)
    {
        await cluster.ProduceAsync(0, Half);
        await cluster.WaitComputedAsync(Half, Recovery);
        var clock = Stopwatch.StartNew();
        while (!(await cluster.SlotsComputingAsync()).IsSupersetOf([1, 2]))
        {
            Assert.True(clock.Elapsed < Recovery, "both workers did not compute within the deadline.\n" + cluster.Logs());
            await Task.Delay(100);
        }
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} first {Half} orders of {ClusterScenario.Users} users computed by both workers");
    }

    /// <summary>
    /// Produces the second half and waits until its first results appear: the fault then strikes while batches are
    /// being computed (and not yet committed) on both workers.
    /// </summary>
    private async Task SecondHalfUnderWayAsync(ClusterScenario cluster)
    {
        await cluster.ProduceAsync(Half, Orders);
        var clock = Stopwatch.StartNew();
        while (!await AnyComputedAsync(cluster, Half + 1))
        {
            Assert.True(clock.Elapsed < Recovery, "the second half was not computed.\n" + cluster.Logs());
            await Task.Delay(20);
        }
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} second half under way");
    }

    private static async Task<bool> AnyComputedAsync(ClusterScenario cluster, int orders)
    {
        await using var hot = cluster.Platform.OpenHot();
        var rows = await new FeaturePlatform.Runtime.OnlineStore.FeatureStore(hot).GetManyAsync(cluster.Job, cluster.UserKeys);
        return rows.Any(r => r is not null && r.Values["order_count"].GetInt64() >= orders);
    }

    private bool Dump(ClusterScenario cluster)
    {
        output.WriteLine(cluster.Logs());
        return false;
    }
}
