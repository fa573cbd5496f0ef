using System.Diagnostics;
using System.Text;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>
/// Live throughput on the embedded platform: a backlog of orders is produced and stored by ingestion first, then a live
/// job drains it (bus → live trigger → run loop → output). The same stored orders are then replayed through the same
/// job; the ratio live / replay shows what the live trigger's own work (consume, parse, wait, load) costs.
/// </summary>
internal sealed class RuntimeLiveThroughputScenario : IBenchmarkScenario
{
    public string Name => "runtime-live-throughput";

    public string Description => "events/s of a live job draining a stored backlog of orders on the embedded bus, against a replay of the same orders";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var count = context.Quick ? 5_000 : 30_000;
        var level = Enum.Parse<ConsistencyLevel>(Environment.GetEnvironmentVariable("FP_BENCH_LIVE_LEVEL") ?? "TriggerStrong");
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-live-tp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var orders = RuntimeBench.Orders with { Topics = ["orders"] };
            // The platform's graph as the host builds it (AddEventCenter + AddRuntime), hosted services not started.
            await using var services = RuntimeBench.Graph(Path.Combine(root, "platform"),
                [orders with { MaxDelay = TimeSpan.FromMilliseconds(20) }, RuntimeBench.Profiles with { Topics = ["user_profile"], MaxDelay = TimeSpan.FromMilliseconds(20) }]);
            await RuntimeBench.EnsureTablesAsync(services, CancellationToken.None);
            var events = services.GetRequiredService<TieredEventStore>();
            var errors = services.GetRequiredService<JobErrorLog>();
            var bus = services.GetRequiredService<IMessageBus>();
            await bus.CreateTopicAsync("orders", 4);
            await bus.CreateTopicAsync("user_profile", 4);
            var waiter = services.GetRequiredService<ConsistencyWaiter>();
            var dataSource = services.GetRequiredService<EventCenterDataSource>();
            await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30) });
            await using var loaded = await host.LoadJobAsync(Path.Combine(RuntimeBench.WriteJob(), RuntimeBench.JobName + ".py"), dataSource, new JobOptions { WatchForChanges = false });
            var job = new RegisteredJob(loaded, enabled: true);

            using var stop = new CancellationTokenSource();
            var counters = services.GetRequiredService<IngestCounters>();
            var ingest = services.GetRequiredService<IngestWorkerFactory>().Create(new IngestOptions
            {
                GroupId = "bench-ingest",
                MaxBatchWait = TimeSpan.FromMilliseconds(5),
                IdlePartitionTimeout = TimeSpan.FromMilliseconds(200),
            }).RunAsync(stop.Token);
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - count - 60_000;
            await using (var producer = bus.CreateProducer())
            {
                await producer.ProduceAsync("user_profile", [.. Enumerable.Range(0, 100).Select(u =>
                    Message($"u{u}", $$"""{"user_id":"u{{u}}","t":{{t0 - 1_000}},"tier":"gold","limit":5000.0}"""))]);
                for (var start = 0; start < count; start += 500)
                {
                    await producer.ProduceAsync("orders", [.. Enumerable.Range(start, Math.Min(500, count - start)).Select(i => Message($"u{i % 100}",
                        $$"""{"oid":"o{{i}}","user_id":"u{{i % 100}}","t":{{t0 + i}},"amount":{{i % 50}}.5}"""))], context.CancellationToken);
                }
            }
            await WaitAsync(() => counters.Messages >= count + 100, "ingestion stored the backlog", context.CancellationToken);
            context.Log($"backlog of {count:#,0} orders stored; live trigger at {level}");

            var liveOutput = new CountingOutput();
            var runner = new JobRunner(job, dataSource, [liveOutput], errors, NullLogger.Instance);
            var watch = Stopwatch.StartNew();
            var live = runner.RunAsync(new LiveTrigger(bus, orders, "bench-job", level, waiter, events, new LiveTriggerOptions { MaxBatchMessages = 500 }), stop.Token);
            await WaitAsync(() => runner.Counters.Events >= count, "the live job ran the backlog", context.CancellationToken);
            var liveRate = count / watch.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await Swallow(ingest);
            await Swallow(live);

            var replayOutput = new CountingOutput();
            var replayRunner = new JobRunner(job, dataSource, [replayOutput], errors, NullLogger.Instance, mode: FeaturePlatform.Runtime.Diagnostics.RunMode.Replay);
            watch.Restart();
            await replayRunner.RunAsync(new ReplayTrigger(events, "orders", t0, t0 + count, new ReplayOptions { BatchSize = 500 }), context.CancellationToken);
            var replayRate = replayRunner.Counters.Events / watch.Elapsed.TotalSeconds;
            if (liveOutput.Rows != count || replayOutput.Rows != count)
            {
                throw new InvalidOperationException($"live wrote {liveOutput.Rows} rows, replay {replayOutput.Rows}, for {count} orders");
            }
            // The live trigger's own added step: loading each batch's stored events by id (one multi-get per table).
            watch.Restart();
            for (var start = 0; start < count; start += 500)
            {
                var ids = Enumerable.Range(start, Math.Min(500, count - start)).Select(i => $"o{i}").ToList();
                if ((await events.GetByIdsAsync("orders", ids, context.CancellationToken)).Any(e => e is null))
                {
                    throw new InvalidOperationException("a stored order was not found by id");
                }
            }
            var loadRate = count / watch.Elapsed.TotalSeconds;
            context.Log($"live {liveRate:#,0} events/s, replay {replayRate:#,0} events/s, stored events loaded by id (batches of 500) {loadRate:#,0}/s");
            return
            [
                Measurement.HigherIsBetter($"live drain of {count:#,0} stored orders ({level})", liveRate, "events/s", "replay of the same orders, same job", replayRate),
                Measurement.HigherIsBetter("load stored events by id, batches of 500 (the live trigger's added step)", loadRate, "events/s", "live drain, same run", liveRate),
            ];
        }
        finally
        {
            RuntimeReplayScenario.TryDelete(root);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    private static OutgoingMessage Message(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class CountingOutput : IJobOutput
    {
        private long rows;

        public string Name => "count";

        public long Rows => Interlocked.Read(ref rows);

        public ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref rows, results.Count);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
