using System.Diagnostics;
using System.Text;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Repair;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>
/// Late-data repair: (1) the cost of recording each computation's reads and results (what live runs do) on replay
/// throughput, with and without, same store and job; (2) on a running platform (AddEventCenter + AddRuntime, all
/// hosted services, embedded bus), the time from a late profile change stored to the repaired feature in the feature store.
/// </summary>
internal sealed class RepairScenario : IBenchmarkScenario
{
    private static readonly TimeSpan RepairDelay = TimeSpan.FromMilliseconds(200);

    public string Name => "repair";

    public string Description => "late-data repair: read-tracking cost on replay throughput (with vs without) and late event stored → repaired feature latency";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-repair-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (tracked, stored, without, resultsOnly) = await TrackingCostAsync(Path.Combine(root, "replay"), context);
            var latencies = await LatencyAsync(Path.Combine(root, "live"), context);
            var p50 = latencies[latencies.Length / 2];
            var p99 = latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * 0.99))];
            context.Log($"repair latency over {latencies.Length} late events: p50 {p50:0.0} ms, p99 {p99:0.0} ms, max {latencies[^1]:0.0} ms (repair delay {RepairDelay.TotalMilliseconds} ms)");
            return
            [
                Measurement.HigherIsBetter("replay with read tracking (each read noted with its event, records built)", tracked, "events/s",
                    "the same replay without tracking (target ratio ≥ 0.8)", without),
                Measurement.HigherIsBetter("replay with read tracking (each read noted with its event, records built)", tracked, "events/s",
                    "the same replay building only the result records (what live records with repair off)", resultsOnly),
                Measurement.HigherIsBetter("replay with reads and results stored in the read index and result log (as live runs)", stored, "events/s",
                    "the same replay without tracking", without),
                Measurement.LowerIsBetter("late event stored → repaired feature in the feature store, p50", p50, "ms",
                    "the configured repair delay (the wait for in-flight computations to record their reads)", RepairDelay.TotalMilliseconds),
                Measurement.LowerIsBetter("late event stored → repaired feature in the feature store, p99", p99, "ms",
                    "the configured repair delay", RepairDelay.TotalMilliseconds),
            ];
        }
        finally
        {
            RuntimeReplayScenario.TryDelete(root);
        }
    }

    /// <summary>Replay events/s with and without recording, alternating, best of the rounds each.</summary>
    private static async Task<(double Tracked, double Stored, double Without, double ResultsOnly)> TrackingCostAsync(string directory, ScenarioContext context)
    {
        var events = context.Quick ? 50_000 : 200_000;
        var store = Path.Combine(directory, "store");
        await RuntimeBench.BuildStoreAsync(store, events, context.Log, context.CancellationToken);
        var jobs = RuntimeBench.WriteJob();
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30) });
        double tracked = 0, stored = 0, without = 0, resultsOnly = 0;
        var rounds = context.Quick ? 1 : 3;
        for (var round = 1; round <= rounds; round++)
        {
            // Interleaved, and each also as process CPU per event (this process: the Python thread, the scans, the
            // recording and the store's writer), which the load of a shared machine disturbs less than events/s.
            var (plain, plainCpu) = await MeasureAsync(host, jobs, store, events, Recording.None, context);
            var (r, rCpu) = await MeasureAsync(host, jobs, store, events, Recording.ResultsOnly, context);
            var (t, tCpu) = await MeasureAsync(host, jobs, store, events, Recording.TrackedOnly, context);
            var (s, sCpu) = await MeasureAsync(host, jobs, store, events, Recording.Stored, context);
            context.Log($"round {round}: without {plain:#,0} events/s ({plainCpu:0.0} µs CPU/event), result records only {r:#,0} ({rCpu:0.0}), " +
                $"reads tracked {t:#,0} ({tCpu:0.0}), reads and results stored {s:#,0} ({sCpu:0.0}); load {LoadAverage()}");
            (tracked, stored, without, resultsOnly) = (Math.Max(tracked, t), Math.Max(stored, s), Math.Max(without, plain), Math.Max(resultsOnly, r));
        }
        return (tracked, stored, without, resultsOnly);
    }

    /// <summary>One replay of the stored orders with <paramref name="recording"/>: events/s and process CPU µs per event.</summary>
    private static async Task<(double PerSecond, double CpuPerEvent)> MeasureAsync(PythonHost host, string jobs, string store, int events, Recording recording, ScenarioContext context)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var (done, seconds) = await RuntimeBench.ReplayAsync(host, jobs, store, RuntimeBench.T0, RuntimeBench.T0 + events, 1, context.CancellationToken, recording: recording);
        process.Refresh();
        return (done / seconds, (process.TotalProcessorTime - cpu).TotalMicroseconds / done);
    }

    /// <summary>The machine's 1-minute load average (for the log: runs on a shared machine compare only at similar loads).</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>Late profile changes, one at a time, each followed until the feature store shows the repaired row; ms each, sorted.</summary>
    private static async Task<double[]> LatencyAsync(string directory, ScenarioContext context)
    {
        var users = 50;
        var orders = context.Quick ? 500 : 2_000;
        var samples = context.Quick ? 20 : 100;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddEventCenter(new EventCenterSettings
        {
            DataDirectory = directory,
            HotWindow = TimeSpan.FromDays(3650),
            TopicPartitions = 4,
            Sources =
            [
                RuntimeBench.Orders with { Topics = ["orders"], MaxDelay = TimeSpan.FromMilliseconds(50), MaxOutOfOrderness = TimeSpan.Zero },
                RuntimeBench.Profiles with { Topics = ["user_profile"], MaxDelay = TimeSpan.FromMilliseconds(50), MaxOutOfOrderness = TimeSpan.Zero, IdField = "pid" },
            ],
            Ingest = new IngestOptions { MaxBatchWait = TimeSpan.FromMilliseconds(5), IdlePartitionTimeout = TimeSpan.FromMilliseconds(200) },
        });
        builder.Services.AddRuntime(new RuntimeSettings
        {
            JobsDirectory = RuntimeBench.WriteJob(),
            Repair = new RepairSettings { Delay = RepairDelay, PollInterval = TimeSpan.FromMilliseconds(50) },
            Live = new LiveBatchSettings { MaxBatchMessages = 100, MaxBatchWait = TimeSpan.FromMilliseconds(5) },
            // As users run it: the logic in worker processes (the default), of the platform binary the solution built.
            Workers = PyBridgeBench.WorkerSettings(),
        });
        using var host = builder.Build();
        await host.StartAsync(context.CancellationToken);
        try
        {
            var services = host.Services;
            await services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60), context.CancellationToken);
            var bus = services.GetRequiredService<IMessageBus>();
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 120_000;
            await using var producer = bus.CreateProducer();
            await producer.ProduceAsync("user_profile", [.. Enumerable.Range(0, users).Select(u =>
                Message($"u{u}", $$"""{"pid":"p{{u}}","user_id":"u{{u}}","t":{{t0 - 1_000}},"tier":"gold","limit":5000.0}"""))]);
            await producer.ProduceAsync("orders", [.. Enumerable.Range(0, orders).Select(i =>
                Message($"u{i % users}", $$"""{"oid":"o{{i}}","user_id":"u{{i % users}}","t":{{t0 + i * 10}},"amount":{{i % 50}}.5}"""))]);
            var results = services.GetRequiredService<ResultLog>();
            var ids = Enumerable.Range(0, orders).Select(i => ("orders", $"o{i}")).ToList();
            await UntilAsync(async () => (await results.GetAsync(RuntimeBench.JobName, ids)).Count == orders, TimeSpan.FromMinutes(3), "the orders ran live", context);
            context.Log($"{orders} orders computed live; sending {samples} late profile changes");

            var features = services.GetRequiredService<FeatureStore>();
            var events = services.GetRequiredService<TieredEventStore>();
            var latencies = new List<double>(samples);
            for (var k = 0; k < samples; k++)
            {
                var user = $"u{k % users}";
                var tier = $"late{k}";
                // Late: half-way through the orders' times, far below the watermark; every later order of the user read the old tier.
                await producer.ProduceAsync("user_profile", [Message(user, $$"""{"pid":"late{{k}}","user_id":"{{user}}","t":{{t0 + (orders * 10 / 2) + k}},"tier":"{{tier}}","limit":5000.0}""")]);
                long? repairedAt = null;
                await UntilAsync(async () =>
                {
                    var record = await features.GetAsync(RuntimeBench.JobName, user);
                    if (record is not null && record.Values.TryGetValue("tier", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String && value.GetString() == tier)
                    {
                        repairedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        return true;
                    }
                    return false;
                }, TimeSpan.FromSeconds(30), $"late change {k} repaired", context);
                var stored = await events.GetByIdAsync("user_profile", $"late{k}") ?? throw new InvalidOperationException($"late{k} not stored");
                latencies.Add(repairedAt!.Value - stored.IngestTime);
            }
            return [.. latencies.Order()];
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ScenarioContext context)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(2, context.CancellationToken);
        }
    }

    private static OutgoingMessage Message(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));
}
