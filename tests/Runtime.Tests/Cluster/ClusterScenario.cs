using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Tests.ScaleOut;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// One fault scenario's cluster: a <see cref="NetnsNetwork"/> with platform hosts of the given roles, a fresh pair
/// of HBase namespaces, an orders topic, a job counting each user's orders (to the feature store and a Kafka
/// output topic), and the measurements every scenario reports (<see cref="MeasureAsync"/>).
/// </summary>
internal sealed class ClusterScenario : IAsyncDisposable
{
    public const string AdminKey = "clusteradminkey";
    public const int Users = 24;
    private const int Partitions = 6;
    private const int OutputPartitions = 3;
    private readonly KafkaFixture kafka;
    private readonly ITestOutputHelper output;
    private readonly Dictionary<string, string> configuration;
    private readonly ConcurrentDictionary<string, byte> acknowledged = new(StringComparer.Ordinal);
    private readonly long t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000;

    private ClusterScenario(KafkaFixture kafka, ITestOutputHelper output, NetnsNetwork network, SharedHBasePlatform platform,
        string job, string topic, string outputTopic, Dictionary<string, string> configuration)
    {
        this.kafka = kafka;
        this.output = output;
        Network = network;
        Platform = platform;
        Job = job;
        Topic = topic;
        OutputTopic = outputTopic;
        this.configuration = configuration;
        UserKeys = [.. Enumerable.Range(0, Users).Select(u => string.Create(CultureInfo.InvariantCulture, $"u{u}"))];
    }

    public NetnsNetwork Network { get; }

    public SharedHBasePlatform Platform { get; }

    public string Job { get; }

    public string Topic { get; }

    public string OutputTopic { get; }

    /// <summary>
    /// The consumer groups the hosts join: ingestion, the job's live trigger (one trigger source), the repair and the
    /// correction announcements, calls, replay shards and the end-offset probe.
    /// </summary>
    public IReadOnlyList<string> ConsumerGroups =>
    [
        configuration["EventCenter:Ingest:GroupId"], $"featureplatform-job-{Job}", Runtime.Repair.RepairService.GroupId("orders"),
        "featureplatform-correction-repair", configuration["Runtime:Calls:GroupId"], configuration["Runtime:ReplayWorker:GroupId"],
        "featureplatform-end-offsets",
    ];

    public IReadOnlyList<string> UserKeys { get; }

    /// <summary>Hosts by slot index (null: never started there).</summary>
    public ClusterHost?[] Hosts { get; private set; } = [];

    /// <summary>Acknowledged order ids so far.</summary>
    public int AcknowledgedCount => acknowledged.Count;

    /// <summary>Makes the network (<paramref name="slots"/> namespaces) and starts hosts of <paramref name="roles"/> in the first slots.</summary>
    public static async Task<ClusterScenario> StartAsync(KafkaFixture kafka, HBaseThriftServer hbase, ITestOutputHelper output, int slots, params ClusterRole[] roles)
    {
        var ports = kafka.BootstrapServers.Split(',').Select(b => int.Parse(b[(b.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)).Append(hbase.Port).ToList();
        var network = await NetnsNetwork.CreateAsync(slots, ports);
        try
        {
            var platform = await SharedHBasePlatform.CreateAsync(hbase);
            var job = "cluster_" + Guid.NewGuid().ToString("N")[..8];
            var jobsDirectory = Path.GetDirectoryName(PythonHostFixture.WriteJob(job, OrderJobs.CountOrders(job)))!;
            var topic = kafka.CreateTopic(Partitions, "cluster-orders");
            var outputTopic = kafka.CreateTopic(OutputPartitions, "cluster-results");
            var extra = SharedHBasePlatform.CallsAndShards(kafka, "cluster", 4);
            extra[$"Runtime:Jobs:{job}:Outputs:0:Kind"] = "FeatureStore";
            extra[$"Runtime:Jobs:{job}:Outputs:1:Kind"] = "Kafka";
            extra[$"Runtime:Jobs:{job}:Outputs:1:Topic"] = outputTopic;
            extra[$"Auth:Keys:{AdminKey}:Name"] = "cluster-tests";
            extra[$"Auth:Keys:{AdminKey}:Roles:0"] = "admin";
            var configuration = platform.OrdersOnKafka(kafka, topic, Partitions, "cluster", jobsDirectory, extra);
            var scenario = new ClusterScenario(kafka, output, network, platform, job, topic, outputTopic, configuration) { Hosts = new ClusterHost?[slots] };
            await Task.WhenAll(roles.Select((role, slot) => scenario.StartHostAsync(slot, role)));
            return scenario;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a host of <paramref name="role"/> in slot <paramref name="slot"/> (replacing a stopped one).</summary>
    public async Task<ClusterHost> StartHostAsync(int slot, ClusterRole role)
    {
        if (Hosts[slot] is { } old)
        {
            await old.DisposeAsync();
        }
        var host = await ClusterHost.StartAsync($"{role.ToString().ToLowerInvariant()}{slot}", role, Network.Slots[slot], configuration, TimeSpan.FromSeconds(180));
        Hosts[slot] = host;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} started {host.Name} (pid {host.Pid}) at {host.BaseAddress}");
        return host;
    }

    /// <summary>
    /// Starts a host in slot <paramref name="slot"/> from a unit file of deploy/systemd, through deploy/run-unit.sh, running
    /// the release in <paramref name="home"/> (FP_HOME; default the built host).
    /// </summary>
    public async Task<ClusterHost> StartUnitHostAsync(int slot, ClusterRole role, string unitFile, string? home = null)
    {
        var host = await ClusterHost.StartUnitAsync($"unit-{role.ToString().ToLowerInvariant()}{slot}", role, Network.Slots[slot], unitFile, configuration, TimeSpan.FromSeconds(180), home);
        Hosts[slot] = host;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} started {host.Name} from {Path.GetFileName(unitFile)} (pid {host.Pid}) at {host.BaseAddress}");
        return host;
    }

    /// <summary>A host that runs, of <paramref name="role"/> when given.</summary>
    public ClusterHost Running(ClusterRole? role = null) =>
        Hosts.First(h => h is { IsRunning: true } && (role is null || h.Role == role))!;

    public static long Amount(string user, int i) => (user.Length * 7 + i * 13) % 100;

    public static string OrderId(string user, int i) => string.Create(CultureInfo.InvariantCulture, $"{user}-{i}");

    /// <summary>Produces orders <paramref name="from"/>..<paramref name="to"/>-1 of every user; an order counts as acknowledged once Kafka acked it.</summary>
    public async Task ProduceAsync(int from, int to)
    {
        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
        await using var producer = bus.CreateProducer();
        for (var i = from; i < to; i++)
        {
            var batch = UserKeys.Select((user, u) => new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$"""{"oid":"{{OrderId(user, i)}}","user_id":"{{user}}","t":{{t0 + i * 1000 + u}},"amount":{{Amount(user, i)}}}""")))).ToList();
            await producer.ProduceAsync(Topic, batch);
            foreach (var user in UserKeys)
            {
                acknowledged[OrderId(user, i)] = 0;
            }
        }
    }

    /// <summary>Polls the feature store until every user's row counts <paramref name="orders"/> orders; returns how long that took.</summary>
    public async Task<TimeSpan> WaitComputedAsync(int orders, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await using var hot = Platform.OpenHot();
        var features = new FeatureStore(hot);
        while (true)
        {
            var rows = await features.GetManyAsync(Job, UserKeys);
            if (rows.All(r => r is not null && r.Values["order_count"].GetInt64() >= orders))
            {
                return clock.Elapsed;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Not every user's order {orders - 1} was computed within {timeout}: " +
                    $"{rows.Count(r => r is not null && r.Values["order_count"].GetInt64() >= orders)} of {Users} done.\n{Logs()}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Hosts (by slot) whose workers wrote the users' current feature rows.</summary>
    public async Task<IReadOnlySet<int>> SlotsComputingAsync()
    {
        await using var hot = Platform.OpenHot();
        var rows = await new FeatureStore(hot).GetManyAsync(Job, UserKeys);
        var hosts = Hosts.Where(h => h is { IsRunning: true }).ToDictionary(h => (long)h!.Pid, h => h!.Slot.Index);
        return rows.Where(r => r is not null)
            .Select(r => FeaturePlatform.Testing.Platform.ProcessTree.HostOf(r!.Values["pid"].GetInt64(), hosts.Keys.ToHashSet()))
            .Where(p => p is not null).Select(p => hosts[p!.Value]).ToHashSet();
    }

    /// <summary>
    /// Counts what the scenario left: acknowledged orders, those stored (read through a running host's events API),
    /// duplicates, result deliveries on the output topic, and missing results (no delivery, or a wrong final row).
    /// </summary>
    public async Task<FaultReport> MeasureAsync(string scenario, int orders, TimeSpan recovery, string detail)
    {
        using var client = Running().CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var user in UserKeys)
        {
            var history = await client.GetFromJsonAsync<JsonElement>($"/api/events/orders/{user}/history?limit=10000");
            foreach (var e in history.EnumerateArray())
            {
                var id = e.GetProperty("eventId").GetString()!;
                stored[id] = stored.GetValueOrDefault(id) + 1;
            }
        }
        var deliveries = ReadOutputs("orders");
        await using var hot = Platform.OpenHot();
        var rows = await new FeatureStore(hot).GetManyAsync(Job, UserKeys);
        var wrongRows = UserKeys.Where((user, u) => rows[u] is not { } row
            || row.Values["order_count"].GetInt64() != orders
            || row.Values["amount"].GetInt64() != Enumerable.Range(0, orders).Sum(i => Amount(user, i))).ToList();
        var undelivered = acknowledged.Keys.Where(id => !deliveries.ContainsKey($"{Job}/orders/{id}/0")).ToList();
        // A re-delivered result must carry the same values (a consumer keeping one per result id keeps the right one).
        var inconsistent = deliveries.Where(d => d.Value.Distinct(StringComparer.Ordinal).Count() > 1).Select(d => d.Key).ToList();
        var report = new FaultReport(scenario, acknowledged.Count, acknowledged.Keys.Count(stored.ContainsKey), stored.Values.Sum(c => c - 1),
            deliveries.Values.Sum(v => v.Count - 1), undelivered.Count + wrongRows.Count, Math.Round(recovery.TotalSeconds, 1), detail);
        output.WriteLine(await report.WriteAsync());
        Assert.True(undelivered.Count == 0, $"no result for {undelivered.Count} acknowledged orders, e.g. {string.Join(", ", undelivered.Take(5))}");
        Assert.True(wrongRows.Count == 0, $"wrong final feature rows for {string.Join(", ", wrongRows)}");
        Assert.True(inconsistent.Count == 0, $"re-delivered results with different values: {string.Join(", ", inconsistent.Take(5))}");
        Assert.Equal(report.Acknowledged, report.Stored);
        Assert.Equal(0, report.DuplicatesStored);
        return report;
    }

    /// <summary>Every result of triggers from <paramref name="source"/> on the output topic: result id → the values of each delivery (order_count, amount).</summary>
    public Dictionary<string, List<string>> ReadOutputs(string source)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(kafka.ConsumerConfig(KafkaFixture.NewGroupId("cluster-results"))).Build();
        // Assigned, not subscribed: no group join to wait for; every partition from its start.
        consumer.Assign(Enumerable.Range(0, OutputPartitions).Select(p => new TopicPartitionOffset(OutputTopic, p, Offset.Beginning)));
        var messages = KafkaConsume.UntilQuiet(consumer, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60));
        var deliveries = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            var id = Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("fp-result-id"));
            if (!id.StartsWith($"{Job}/{source}/", StringComparison.Ordinal))
            {
                continue;
            }
            using var json = JsonDocument.Parse(m.Message.Value);
            var values = json.RootElement.GetProperty("values");
            (deliveries.TryGetValue(id, out var list) ? list : deliveries[id] = []).Add(
                $"{values.GetProperty("order_count").GetInt64()}/{values.GetProperty("amount").GetInt64()}");
        }
        return deliveries;
    }

    /// <summary>Every host's log tail, for failure messages.</summary>
    public string Logs() => string.Join("\n", Hosts.Where(h => h is not null).Select(h => $"===== {h!.Name} (pid {h.Pid}, running {h.IsRunning}):\n{h.TailLog(4000)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts.Where(h => h is not null))
        {
            await host!.DisposeAsync();
        }
        await Network.DisposeAsync();
    }

}
