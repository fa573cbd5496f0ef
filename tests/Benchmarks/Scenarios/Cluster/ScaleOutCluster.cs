using System.Diagnostics;
using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Replay.Sharded;
using FeaturePlatform.Runtime.Tests.ScaleOut;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Benchmarks.Scenarios.Cluster;

/// <summary>
/// N worker hosts (<c>Platform:Role=Worker</c>, real processes, each pinned to a CPU list) on a fresh HBase event center
/// and fresh topics of a shared Kafka mock: orders produced to the source topic are ingested and run live by them, and
/// replays are handed to them as shards over Kafka. The job is trigger-strong with one history read per order.
/// </summary>
internal sealed class ScaleOutCluster : IAsyncDisposable
{
    public const string Job = "cluster_bench";
    public const int Partitions = 6;
    private const string AdminKey = "benchadminkey";
    private readonly KafkaMockCluster kafka;
    private readonly HBaseThriftServer hbase;
    private readonly SharedHBasePlatform platform;
    private readonly string topic;
    private readonly ReplayShardTopics shardTopics;
    private readonly IReadOnlyList<string> users;
    private readonly long t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 6 * 3_600_000;
    private readonly List<FeatureApiProcess> hosts = [];
    private readonly Action<string> log;
    private KafkaMessageBus? replayBus;
    private ReplayShardCoordinator? coordinator;

    private ScaleOutCluster(KafkaMockCluster kafka, HBaseThriftServer hbase, SharedHBasePlatform platform, string topic, ReplayShardTopics shardTopics, int users, Action<string> log)
    {
        this.kafka = kafka;
        this.hbase = hbase;
        this.platform = platform;
        this.topic = topic;
        this.shardTopics = shardTopics;
        this.users = [.. Enumerable.Range(0, users).Select(u => string.Create(CultureInfo.InvariantCulture, $"u{u}"))];
        this.log = log;
    }

    /// <summary>Orders produced per user so far.</summary>
    public int OrdersPerUser { get; private set; }

    /// <summary>Events produced so far.</summary>
    public long Produced => (long)OrdersPerUser * users.Count;

    /// <summary>
    /// Makes the event center and topics and starts one worker host (of the release <paramref name="hostDll"/>) per entry
    /// of <paramref name="launchers"/> (the command that places it on the machine, see <see cref="FeatureApiProcess.StartAsync"/>; null: none).
    /// </summary>
    public static async Task<ScaleOutCluster> StartAsync(KafkaMockCluster kafka, HBaseThriftServer hbase, int users, IReadOnlyList<IReadOnlyList<string>?> launchers, string hostDll, Action<string> log)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string Topic(string name, int partitions)
        {
            var full = $"bench-{name}-{id}";
            kafka.CreateTopic(full, partitions);
            return full;
        }
        var platform = await SharedHBasePlatform.CreateAsync(hbase);
        var shardTopics = new ReplayShardTopics(Topic("shards", Partitions), Topic("shard-results", 1));
        var cluster = new ScaleOutCluster(kafka, hbase, platform, Topic("orders", Partitions), shardTopics, users, log);
        var jobs = Path.Combine(Path.GetTempPath(), "cluster-bench", id);
        Directory.CreateDirectory(jobs);
        await File.WriteAllTextAsync(Path.Combine(jobs, Job + ".py"), JobSource);
        var configuration = platform.Configuration();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["EventCenter:Bus:Kind"] = "Kafka",
            ["EventCenter:Bus:BootstrapServers"] = kafka.BootstrapServers,
            ["EventCenter:Bus:CreateTopics"] = "false",
            ["EventCenter:TopicPartitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["EventCenter:Ingest:GroupId"] = "bench-ingest-" + id,
            ["EventCenter:Sources:0:Name"] = "orders",
            ["EventCenter:Sources:0:Format"] = "Json",
            ["EventCenter:Sources:0:KeyFields:0"] = "user_id",
            ["EventCenter:Sources:0:TimeField"] = "t",
            ["EventCenter:Sources:0:IdField"] = "oid",
            ["EventCenter:Sources:0:Topics:0"] = cluster.topic,
            ["Runtime:JobsDirectory"] = jobs,
            ["Runtime:Calls:Topic"] = Topic("calls", 2),
            ["Runtime:Calls:Partitions"] = "2",
            ["Runtime:Calls:GroupId"] = "bench-calls-" + id,
            ["Runtime:ReplayWorker:ShardsTopic"] = shardTopics.Shards,
            ["Runtime:ReplayWorker:ResultsTopic"] = shardTopics.Results,
            ["Runtime:ReplayWorker:GroupId"] = "bench-replay-" + id,
            [$"Auth:Keys:{AdminKey}:Name"] = "bench",
            [$"Auth:Keys:{AdminKey}:Roles:0"] = "admin",
            ["Logging:LogLevel:Default"] = "Warning",
        })
        {
            configuration[key] = value;
        }
        foreach (var (key, value) in ClusterRoles.Settings(ClusterRole.Worker))
        {
            configuration[key] = value;
        }
        try
        {
            cluster.hosts.AddRange(await Task.WhenAll(launchers.Select((launcher, i) =>
                FeatureApiProcess.StartAsync($"cluster-bench-worker{i}", configuration, TimeSpan.FromMinutes(4), launcher, hostDll))));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// Produces one order per user and waits until it is run, again and again, until every host has ingested and run
    /// orders live (every host holds partitions of the ingest group and of the job's group: the groups are settled).
    /// No backlog builds up, so the measured run starts from an idle, settled cluster.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await ProduceAsync(1, cancellationToken);
            await WaitLiveAsync(TimeSpan.FromMinutes(3), cancellationToken);
            var counts = await Task.WhenAll(hosts.Select(h => CountersAsync(h, cancellationToken)));
            if (counts.All(c => c.Ingested > 0 && c.Live > 0))
            {
                // The replay coordinator joins its results group once, as one kept by an API host would (a new group waits
                // for the broker's initial rebalance delay before it reads).
                replayBus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
                coordinator = new ReplayShardCoordinator(replayBus, shardTopics);
                await coordinator.ConnectAsync(TimeSpan.FromMinutes(1), cancellationToken);
                log($"{hosts.Count} host(s) settled after {clock.Elapsed.TotalSeconds:0.0} s and {OrdersPerUser} orders per user");
                return;
            }
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Not every host ingested and ran orders within 5 min: {string.Join(", ", counts.Select(c => $"{c.Ingested}/{c.Live}"))}.\n{Logs()}");
            }
        }
    }

    /// <summary>
    /// CPU the cluster uses while nothing flows, over <paramref name="duration"/> (after <see cref="WarmUpAsync"/>: groups
    /// settled, no backlog). What an idle cluster costs its users; a host that polls busily shows here.
    /// </summary>
    /// <remarks>
    /// A host started a few seconds ago still compiles hot methods again, optimised (tiered compilation, on its own
    /// thread): that one-time cost is returned apart (<c>Jit</c>, seconds of the hosts' ".NET Tiered Com" threads; one
    /// that ended during the wait is not counted, so <c>Jit</c> may be low), so the steady cost of an idle host is at
    /// most <c>Cpu.Hosts - Jit</c>.
    /// </remarks>
    public async Task<(CpuSample Cpu, double Jit)> IdleAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var pids = hosts.Select(h => (long)h.Pid).ToList();
        var before = Cpu();
        var jitBefore = CpuSample.ThreadSeconds(pids, TieredCompilationThread);
        await Task.Delay(duration, cancellationToken);
        var cpu = Cpu().Since(before);
        var jit = CpuSample.ThreadSecondsSince(jitBefore, CpuSample.ThreadSeconds(pids, TieredCompilationThread));
        var perHost = duration.TotalSeconds * hosts.Count;
        log(string.Create(CultureInfo.InvariantCulture, $"idle, {hosts.Count} host(s), {duration.TotalSeconds:0} s: {cpu.Hosts / perHost:P1} of a core per worker host (.NET), of which tiered JIT {jit / perHost:P1} (without it {(cpu.Hosts - jit) / perHost:P1}); Python workers {cpu.Python:0.00} s, HBase fixture {cpu.HBase:0.00} s, Kafka mock {cpu.Driver:0.00} s"));
        return (cpu, jit);
    }

    /// <summary>The JIT's background tier-up thread as /proc names it (comm, 15 characters).</summary>
    private const string TieredCompilationThread = ".NET Tiered Com";

    /// <summary>Produces <paramref name="ordersPerUser"/> more orders per user and waits until all are run live; returns events/s and the CPU used.</summary>
    public async Task<(double Rate, long Events, CpuSample Cpu)> LiveAsync(int ordersPerUser, CancellationToken cancellationToken)
    {
        var before = Cpu();
        var calls = await hbase.GetStatsAsync(cancellationToken);
        var recomputed = await RecomputedAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var events = (long)ordersPerUser * users.Count;
        await ProduceAsync(ordersPerUser, cancellationToken);
        var produced = clock.Elapsed;
        await WaitLiveAsync(TimeSpan.FromMinutes(10), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = Cpu().Since(before);
        log(string.Create(CultureInfo.InvariantCulture, $"live, {hosts.Count} host(s): {events:#,0} events in {seconds:0.00} s (produced in {produced.TotalSeconds:0.00} s) = {events / seconds:#,0}/s; CPU: {cpu}"));
        log($"live, {hosts.Count} host(s): HBase calls per event {await CallsPerEventAsync(calls, events, cancellationToken)}; " +
            $"computations the repair ran again meanwhile: {await RecomputedAsync(cancellationToken) - recomputed:0}");
        return (events / seconds, events, cpu);
    }

    /// <summary>Replays every order produced so far as <paramref name="shards"/> shards over Kafka; returns events/s and the CPU used.</summary>
    public async Task<(double Rate, long Events, CpuSample Cpu)> ReplayAsync(int shards, CancellationToken cancellationToken)
    {
        var coordinator = this.coordinator ?? throw new InvalidOperationException("Warm the cluster up before a replay.");
        var runId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var split = ReplayShardCoordinator.Split(runId, Job, ["orders"], t0, t0 + OrdersPerUser * 1000L, shards);
        var before = Cpu();
        var calls = await hbase.GetStatsAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var done = await coordinator.RunAsync(split, TimeSpan.FromMinutes(10), cancellationToken: cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = Cpu().Since(before);
        var events = done.Sum(c => c.Events);
        if (done.FirstOrDefault(c => c.Error is not null || c.Failures > 0) is { } failed)
        {
            throw new InvalidOperationException($"replay shard {failed.Index} on {failed.Worker} failed: {failed.Failures} failures, {failed.Error}\n{Logs()}");
        }
        if (events != Produced)
        {
            throw new InvalidOperationException($"the replay ran {events} events, {Produced} were stored");
        }
        var byWorker = string.Join(", ", done.GroupBy(c => c.Worker).Select(g => $"{g.Count()} shards on {g.Key}"));
        log(string.Create(CultureInfo.InvariantCulture, $"replay, {hosts.Count} host(s): {events:#,0} events in {seconds:0.00} s = {events / seconds:#,0}/s ({byWorker}); CPU: {cpu}"));
        log($"replay, {hosts.Count} host(s): HBase calls per event {await CallsPerEventAsync(calls, events, cancellationToken)}");
        return (events / seconds, events, cpu);
    }

    public async ValueTask DisposeAsync()
    {
        if (coordinator is not null)
        {
            await coordinator.DisposeAsync();
        }
        if (replayBus is not null)
        {
            await replayBus.DisposeAsync();
        }
        foreach (var host in hosts)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(20));
                log(string.Create(CultureInfo.InvariantCulture, $"host {host.Pid} ended {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM (killed at 20 s)"));
                await host.DisposeAsync();
            }
            catch (TimeoutException e)
            {
                // Killed with its tree, but not gone yet (seen once: a host still in the kernel 10 s after SIGKILL). The
                // measurements are taken; stopping the rest of the cluster matters more than waiting for this one.
                log($"host {host.Pid} did not end: {e.Message}");
            }
        }
    }

    /// <summary>The HBase fixture's calls since <paramref name="before"/> per event, by method and table, most first (where a run's server round trips go).</summary>
    private async Task<string> CallsPerEventAsync(HBaseThriftStats before, long events, CancellationToken cancellationToken)
    {
        var after = await hbase.GetStatsAsync(cancellationToken);
        var perEvent = after.CallsByTable.Select(kv => (Method: kv.Key, Calls: (kv.Value - before.CallsByTable.GetValueOrDefault(kv.Key)) / (double)Math.Max(events, 1)))
            .Where(m => m.Calls > 0).OrderByDescending(m => m.Calls).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{perEvent.Sum(m => m.Calls):0.00}: {string.Join(", ", perEvent.Select(m => $"{m.Method} {m.Calls:0.000}"))}");
    }

    private CpuSample Cpu() => CpuSample.Take(hosts.Select(h => (long)h.Pid).ToHashSet(), hbase.Pid ?? -1);

    private async Task ProduceAsync(int ordersPerUser, CancellationToken cancellationToken)
    {
        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
        await using var producer = bus.CreateProducer();
        for (var i = OrdersPerUser; i < OrdersPerUser + ordersPerUser; i++)
        {
            var order = i;
            await producer.ProduceAsync(topic, [.. users.Select((user, u) => new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $$"""{"oid":"{{user}}-{{order}}","user_id":"{{user}}","t":{{t0 + order * 1000L + u}},"amount":{{(u + order) % 100}}}"""))))],
                cancellationToken);
        }
        OrdersPerUser += ordersPerUser;
    }

    /// <summary>Polls the feature store until every user's row is the result of their last order produced (live results arrive in order per user).</summary>
    /// <remarks>
    /// While many users are left it reads a few of them (<see cref="Probes"/>, spread over those left) and the rest only once
    /// those are done: every user's last order is at the end of the stream, so until then all are left, and reading all
    /// 600 rows every 50 ms cost the shared HBase fixture (on the shared core, holding its interpreter lock for
    /// milliseconds per poll) a quarter of its CPU during a live run (cProfile: getMultiple 4.7 s of 19 s).
    /// </remarks>
    private async Task WaitLiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var hot = platform.OpenHot();
        var features = new FeatureStore(hot);
        var left = Enumerable.Range(0, users.Count).ToList();
        while (true)
        {
            var probes = left.Count > Probes ? [.. Enumerable.Range(0, Probes).Select(i => left[i * left.Count / Probes])] : left;
            if (await LeftOfAsync(features, probes, cancellationToken) is { Count: 0 })
            {
                left = probes == left ? [] : await LeftOfAsync(features, left, cancellationToken);
                if (left.Count == 0)
                {
                    return;
                }
            }
            if (clock.Elapsed > timeout || hosts.Any(h => !h.IsRunning))
            {
                throw new TimeoutException($"{left.Count} of {users.Count} users' last orders not run live after {clock.Elapsed}.\n{Logs()}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Users read at each poll while more are left (see <see cref="WaitLiveAsync"/>).</summary>
    private const int Probes = 12;

    /// <summary>Of the users <paramref name="indexes"/>, those whose row is not yet the result of their last order.</summary>
    private async Task<List<int>> LeftOfAsync(FeatureStore features, List<int> indexes, CancellationToken cancellationToken)
    {
        var rows = await features.GetManyAsync(Job, [.. indexes.Select(i => users[i])], cancellationToken: cancellationToken);
        var last = OrdersPerUser - 1;
        return [.. indexes.Where((u, i) => rows[i] is not { } row || row.EventId != $"{users[u]}-{last}")];
    }

    /// <summary>A host's counters from its /metrics: messages its ingest workers consumed, events its live runners ran.</summary>
    private static async Task<(double Ingested, double Live)> CountersAsync(FeatureApiProcess host, CancellationToken cancellationToken)
    {
        var text = await MetricsAsync(host, cancellationToken);
        return (Sum(text, "eventcenter_ingest_messages_total", null), Sum(text, "runtime_job_events_total", "mode=\"live\""));
    }

    private static async Task<string> MetricsAsync(FeatureApiProcess host, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return await client.GetStringAsync("/metrics", cancellationToken);
    }

    /// <summary>Computations the hosts' late-data repair ran again so far (none expected: the orders arrive in order per user).</summary>
    private async Task<double> RecomputedAsync(CancellationToken cancellationToken)
    {
        double total = 0;
        foreach (var host in hosts)
        {
            total += Sum(await MetricsAsync(host, cancellationToken), "runtime_repair_recomputed_total", null);
        }
        return total;
    }

    private static double Sum(string metrics, string name, string? label) => metrics.Split('\n')
        .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ')
        .Where(l => label is null || l.Contains(label, StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') is var b and >= 0 ? b + 1 : name.Length)..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture));

    private string Logs() => string.Join("\n", hosts.Select((h, i) => $"===== worker{i} (pid {h.Pid}, running {h.IsRunning}):\n{h.TailLog(3000)}"));

    /// <summary>Trigger-strong (the live default: the order is stored before it runs) with one history read, as the capacity plan's live figure.</summary>
    private const string JobSource = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job("cluster_bench", triggers="orders", consistency=Consistency.TRIGGER_STRONG,
             outputs=[Output("recent_orders", int), Output("recent_amount", int)])
        def cluster_bench(event, ctx):
            recent = ctx.history("orders", event.key, since=timedelta(seconds=10))
            return {"recent_orders": len(recent), "recent_amount": sum(int(c.get("amount", 0)) for c in recent)}
        """;
}
