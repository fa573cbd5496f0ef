using System.Diagnostics;
using System.Text;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Benchmarks.Scenarios.Api;
using FeaturePlatform.Benchmarks.Scenarios.Runtime;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Selection;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Benchmarks.Scenarios.Selection;

/// <summary>
/// The write-path cost of keeping the selection copy current, with the copy on and off in the same run (issue 18):
/// (1) <c>api-lookup</c> (the FeatureApi host under wrk) with <c>Runtime:Selection:Engine=Memory</c> (the copy loaded
/// and kept) against <c>Scan</c> (no copy); (2) a live drain — bus → ingestion → live trigger → the Python job →
/// <see cref="FeatureStore"/> writes — with the store's <see cref="SelectionCopy"/> listener against none. Alternated
/// off/on twice, the best of each kept, so machine load hits both alike. Target: each ratio ≥ 0.9.
/// </summary>
internal sealed class SelectionWritePathScenario : IBenchmarkScenario
{
    public string Name => "selection-write-path";

    public string Description => "api-lookup rps and live drain events/s with the selection copy kept vs off (same run, alternated)";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var (liveOn, liveOff) = await LiveAsync(context);
        context.Log($"live drain into the feature store: {liveOn:#,0} events/s with the copy, {liveOff:#,0} without");
        double lookupOn = 0, lookupOff = 0;
        for (var round = 0; round < 2; round++)
        {
            lookupOff = Math.Max(lookupOff, (await new ApiLookupScenario("Scan").RunAsync(context))[0].Value);
            lookupOn = Math.Max(lookupOn, (await new ApiLookupScenario("Memory").RunAsync(context))[0].Value);
        }
        context.Log($"api-lookup: {lookupOn:#,0} rps with the copy, {lookupOff:#,0} without");
        return
        [
            Measurement.HigherIsBetter("api-lookup rps with the selection copy (target ratio ≥ 0.9)", lookupOn, "req/s", "same, Runtime:Selection:Engine=Scan (no copy)", lookupOff),
            Measurement.HigherIsBetter("live drain into the feature store with the copy (target ratio ≥ 0.9)", liveOn, "events/s", "same drain, no copy listener", liveOff),
        ];
    }

    /// <summary>Live drains of one stored backlog (a consumer group each) into the feature store, with and without the copy.</summary>
    private static async Task<(double On, double Off)> LiveAsync(ScenarioContext context)
    {
        var count = context.Quick ? 5_000 : 30_000;
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-sel-live-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var orders = RuntimeBench.Orders with { Topics = ["orders"] };
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
            var hot = services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot);
            await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30) });
            await using var loaded = await host.LoadJobAsync(Path.Combine(RuntimeBench.WriteJob(), RuntimeBench.JobName + ".py"), dataSource, new JobOptions { WatchForChanges = false });
            var job = new RegisteredJob(loaded, enabled: true);

            using var stopIngest = new CancellationTokenSource();
            var counters = services.GetRequiredService<IngestCounters>();
            var ingest = services.GetRequiredService<IngestWorkerFactory>().Create(new IngestOptions
            {
                GroupId = "bench-ingest", MaxBatchWait = TimeSpan.FromMilliseconds(5), IdlePartitionTimeout = TimeSpan.FromMilliseconds(200),
            }).RunAsync(stopIngest.Token);
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - count - 60_000;
            var users = RuntimeBench.UsersFor(count);
            await using (var producer = bus.CreateProducer())
            {
                await producer.ProduceAsync("user_profile", [.. Enumerable.Range(0, users).Select(u =>
                    Message($"u{u}", $$"""{"user_id":"u{{u}}","t":{{t0 - 1_000}},"tier":"gold","limit":5000.0}"""))]);
                for (var start = 0; start < count; start += 500)
                {
                    await producer.ProduceAsync("orders", [.. Enumerable.Range(start, Math.Min(500, count - start)).Select(i => Message($"u{i % users}",
                        $$"""{"oid":"o{{i}}","user_id":"u{{i % users}}","t":{{t0 + i}},"amount":{{i % 50}}.5}"""))], context.CancellationToken);
                }
            }
            await WaitAsync(() => counters.Messages >= count + users, "ingestion stored the backlog", context.CancellationToken);
            double on = 0, off = 0;
            var round = 0;
            foreach (var keep in new[] { false, true, false, true })
            {
                var store = new CountingStore(new FeatureStore(hot, listener: keep ? new SelectionCopy() : null));
                var runner = new JobRunner(job, dataSource, [store], errors, NullLogger.Instance);
                using var stop = new CancellationTokenSource();
                var watch = Stopwatch.StartNew();
                var live = runner.RunAsync(new LiveTrigger(bus, orders, $"bench-sel-{round++}", ConsistencyLevel.TriggerStrong, waiter, events,
                    new LiveTriggerOptions { MaxBatchMessages = 500 }), stop.Token);
                await WaitAsync(() => store.Rows >= count, "the live job wrote the backlog's features", context.CancellationToken);
                var rate = count / watch.Elapsed.TotalSeconds;
                await stop.CancelAsync();
                await Swallow(live);
                context.Log($"live drain, copy {(keep ? "on" : "off")}: {rate:#,0} events/s");
                if (keep)
                {
                    on = Math.Max(on, rate);
                }
                else
                {
                    off = Math.Max(off, rate);
                }
            }
            await stopIngest.CancelAsync();
            await Swallow(ingest);
            return (on, off);
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

    /// <summary>The feature store as the job's output, counting the rows it took (after the write returned).</summary>
    private sealed class CountingStore(FeatureStore store) : IJobOutput
    {
        private long rows;

        public string Name => store.Name;

        public long Rows => Interlocked.Read(ref rows);

        public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
        {
            await store.WriteAsync(results, cancellationToken);
            Interlocked.Add(ref rows, results.Count);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
