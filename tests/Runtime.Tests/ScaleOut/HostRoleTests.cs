using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Testing.Platform;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>
/// <c>Platform:Role</c>: an API-role host and a worker-role host (real processes) share the Kafka mock and the HBase
/// event center; the API host joins no ingest group and runs no live job (its counters stay 0 while the worker stores
/// and computes every order), and a role contradicted by an explicit key stops start-up naming the key.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class HostRoleTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const string AdminKey = "roleadminkey";
    private const int Users = 12;
    private const int OrdersPerUser = 10;

    [Fact]
    public async Task An_api_role_host_stores_nothing_from_the_bus_and_runs_no_live_job_while_a_worker_role_host_does()
    {
        var platform = await SharedHBasePlatform.CreateAsync(hbase.Server);
        var job = "role_" + Guid.NewGuid().ToString("N")[..8];
        var topic = kafka.CreateTopic(4, "role-orders");
        var configuration = Configuration(platform, job, topic);
        var hosts = new List<(string Name, FeatureApiProcess Process)>();
        try
        {
            // Both start together, so with the switch off both would join the ingest group and the job's group and share the partitions.
            var started = await Task.WhenAll(
                FeatureApiProcess.StartAsync("role-api", With(configuration, "Api"), TimeSpan.FromSeconds(180)),
                FeatureApiProcess.StartAsync("role-worker", With(configuration, "Worker"), TimeSpan.FromSeconds(180)));
            hosts.Add(("api", started[0]));
            hosts.Add(("worker", started[1]));
            var (api, worker) = (started[0], started[1]);

            var users = Enumerable.Range(0, Users).Select(u => string.Create(CultureInfo.InvariantCulture, $"u{u}")).ToList();
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
            await using (var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false }))
            {
                await using var producer = bus.CreateProducer();
                for (var i = 0; i < OrdersPerUser; i++)
                {
                    await producer.ProduceAsync(topic, [.. users.Select((user, u) => new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(
                        string.Create(CultureInfo.InvariantCulture, $$"""{"oid":"{{user}}-{{i}}","user_id":"{{user}}","t":{{t0 + i * 1000 + u}},"amount":1}"""))))]);
                }
            }

            await using var hot = platform.OpenHot();
            var features = new FeatureStore(hot);
            IReadOnlyList<FeatureRecord?> rows = [];
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while ((rows = await features.GetManyAsync(job, users)).Any(r => r is null || r.Values["order_count"].GetInt64() < OrdersPerUser))
            {
                Assert.True(DateTime.UtcNow < deadline, $"not every order was computed within 3 min: {rows.Count(r => r?.Values["order_count"].GetInt64() == OrdersPerUser)} of {Users} users done");
                await Task.Delay(200);
            }
            // Every row was computed by the worker host (the job outputs the pid of the process that ran it: a worker of a host).
            var pids = new HashSet<long> { api.Pid, worker.Pid };
            Assert.All(rows, r => Assert.Equal(worker.Pid, ProcessTree.HostOf(r!.Values["pid"].GetInt64(), pids)));

            var total = Users * OrdersPerUser;
            var apiMetrics = await ScrapeAsync(api);
            var workerMetrics = await ScrapeAsync(worker);
            output.WriteLine($"api: ingest messages {Sum(apiMetrics, "eventcenter_ingest_messages_total")}, live events {Sum(apiMetrics, "runtime_job_events_total", "live")}; " +
                $"worker: ingest messages {Sum(workerMetrics, "eventcenter_ingest_messages_total")}, live events {Sum(workerMetrics, "runtime_job_events_total", "live")}");
            Assert.Equal(0, Sum(apiMetrics, "eventcenter_ingest_messages_total"));
            Assert.Equal(0, Sum(apiMetrics, "eventcenter_ingest_written_total"));
            Assert.Equal(0, Sum(apiMetrics, "runtime_job_events_total", "live"));
            Assert.True(Sum(workerMetrics, "eventcenter_ingest_written_total") >= total, "the worker host stored every order");
            Assert.True(Sum(workerMetrics, "runtime_job_events_total", "live") >= total, "the worker host ran every order live");
            // The API host still serves the API: it reads what the worker stored.
            using var client = Client(api);
            var history = await client.GetStringAsync($"/api/events/orders/{users[0]}/history?limit=100");
            Assert.Equal(OrdersPerUser, EventIdPattern().Matches(history).Count);
        }
        catch (Exception) when (Dump(hosts))
        {
            throw;
        }
        finally
        {
            foreach (var (_, process) in hosts)
            {
                await process.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_role_contradicted_by_an_explicit_key_stops_start_up_naming_the_key()
    {
        var platform = await SharedHBasePlatform.CreateAsync(hbase.Server);
        var configuration = With(Configuration(platform, "role_bad", kafka.CreateTopic(1, "role-bad")), "Api");
        configuration["Runtime:RunLiveJobs"] = "true";
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FeatureApiProcess.StartAsync("role-bad", configuration, TimeSpan.FromSeconds(120)));
        Assert.Contains("Platform:Role=Api needs Runtime:RunLiveJobs=false", e.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Configuration(SharedHBasePlatform platform, string job, string topic)
    {
        var extra = SharedHBasePlatform.CallsAndShards(kafka, "role", 2);
        extra[$"Auth:Keys:{AdminKey}:Name"] = "role-tests";
        extra[$"Auth:Keys:{AdminKey}:Roles:0"] = "admin";
        return platform.OrdersOnKafka(kafka, topic, 4, "role", Path.GetDirectoryName(PythonHostFixture.WriteJob(job, OrderJobs.CountOrders(job)))!, extra);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> configuration, string role) =>
        new(configuration) { ["Platform:Role"] = role };

    private static HttpClient Client(FeatureApiProcess host)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }

    private static async Task<string> ScrapeAsync(FeatureApiProcess host)
    {
        using var client = Client(host);
        return await client.GetStringAsync("/metrics");
    }

    /// <summary>The sum of a counter's samples (those of <paramref name="mode"/> when given; a counter not exported yet is 0).</summary>
    private static double Sum(string metrics, string name, string? mode = null) => metrics.Split('\n')
        .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && (l[name.Length] == '{' || l[name.Length] == ' ')))
        .Where(l => mode is null || l.Contains($"mode=\"{mode}\"", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') is var b and >= 0 ? b + 1 : name.Length)..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture));

    private bool Dump(IEnumerable<(string Name, FeatureApiProcess Process)> hosts)
    {
        output.WriteLine(FeatureApiProcess.LogTails(hosts));
        return false;
    }

    [GeneratedRegex("\"eventId\"")]
    private static partial Regex EventIdPattern();
}
