using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Testing.Platform;
using Xunit.Abstractions;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>
/// Three runtime processes (the FeatureApi host) share one Kafka consumer group per job and one event center on HBase;
/// one is killed with SIGKILL mid-stream; every expected output is then in the feature store exactly once.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class MultiProcessTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const int Users = 30;
    private const int OrdersPerUser = 20;

    [Fact]
    public async Task Killing_one_of_three_processes_mid_stream_loses_and_doubles_nothing()
    {
        var platform = await SharedHBasePlatform.CreateAsync(hbase.Server);
        var jobName = "scale_" + Guid.NewGuid().ToString("N")[..8];
        var jobsDirectory = Path.GetDirectoryName(PythonHostFixture.WriteJob(jobName, OrderJobs.CountOrders(jobName)))!;
        var configuration = platform.OrdersOnKafka(kafka, kafka.CreateTopic(6, "scaleout-orders"), 6, "scaleout", jobsDirectory);
        var topic = configuration["EventCenter:Sources:0:Topics:0"];

        var processes = new List<FeatureApiProcess>();
        try
        {
            processes.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
                FeatureApiProcess.StartAsync($"runtime{i}", configuration, TimeSpan.FromSeconds(120)))));
            await using var hot = platform.OpenHot();
            var features = new FeatureStore(hot);
            var errors = new JobErrorLog(hot);
            var users = Enumerable.Range(0, Users).Select(u => $"u{u}").ToList();
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
            await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
            await using var producer = bus.CreateProducer();

            // First half of the stream; once outputs appear, kill one process and send the rest.
            var half = OrdersPerUser / 2;
            await ProduceAsync(producer, topic, users, 0, half, t0);
            // Every process computes part of the stream (the job outputs its process id) before one of them is killed.
            var pids = processes.Select(p => (long)p.Pid).ToHashSet();
            // The job outputs the pid of the process running its logic: a worker of a host, mapped to that host.
            await WaitAsync(async () => (await features.GetManyAsync(jobName, users)).Where(r => r is not null)
                    .Select(r => ProcessTree.HostOf(r!.Values["pid"].GetInt64(), pids)).ToHashSet().SetEquals(pids.Cast<long?>()),
                "all three processes wrote outputs");
            var victim = processes[1];
            await victim.KillAsync();
            output.WriteLine($"killed runtime1 (pid {victim.Pid})");
            await ProduceAsync(producer, topic, users, half, OrdersPerUser, t0);

            var expected = users.ToDictionary(u => u, u => Enumerable.Range(0, OrdersPerUser).Sum(i => Amount(u, i)));
            IReadOnlyList<FeatureRecord?> rows = [];
            await WaitAsync(async () =>
            {
                rows = await features.GetManyAsync(jobName, users);
                return rows.All(r => r is not null && r.Values["order_count"].GetInt64() == OrdersPerUser);
            }, "every user's last order computed");

            for (var u = 0; u < Users; u++)
            {
                var row = rows[u]!;
                Assert.Equal($"{users[u]}-{OrdersPerUser - 1}", row.EventId);
                // Each order counted once: a lost event lowers the count and sum, a doubled one raises them.
                Assert.Equal(OrdersPerUser, row.Values["order_count"].GetInt64());
                Assert.Equal(expected[users[u]], row.Values["amount"].GetInt64());
                Assert.Equal(t0 + (OrdersPerUser - 1) * 1000 + u, row.EventTime);
                // Its partitions moved to the survivors: a row computed by the victim (or its workers, gone with it) maps to no survivor.
                Assert.Contains(ProcessTree.HostOf(row.Values["pid"].GetInt64(), pids), new long?[] { processes[0].Pid, processes[2].Pid });
            }
            var failures = new List<JobErrorJson>();
            await foreach (var e in errors.RecentAsync(jobName, 10))
            {
                failures.Add(e);
            }
            Assert.Empty(failures);
            Assert.True(processes[0].IsRunning && processes[2].IsRunning, "the survivors kept running");
        }
        catch (Exception) when (Dump(processes))
        {
            throw;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static long Amount(string user, int i) => (user.Length * 7 + i * 13) % 100;

    private static async Task ProduceAsync(IBusProducer producer, string topic, IReadOnlyList<string> users, int fromOrder, int toOrder, long t0)
    {
        for (var i = fromOrder; i < toOrder; i++)
        {
            var batch = users.Select((user, u) => new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(
                $$"""{"oid":"{{user}}-{{i}}","user_id":"{{user}}","t":{{(t0 + i * 1000 + u).ToString(CultureInfo.InvariantCulture)}},"amount":{{Amount(user, i)}}}"""))).ToList();
            await producer.ProduceAsync(topic, batch);
        }
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(120));

    private bool Dump(IReadOnlyList<FeatureApiProcess> processes)
    {
        output.WriteLine(FeatureApiProcess.LogTails("runtime", processes));
        return false;
    }

}
