using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>
/// Shared set-up of the runtime scenarios: the example job's shape (one as-of fetch of the user's profile per order),
/// a stored history of orders and profiles in an embedded event store, a replay of it, and the pure-Python baseline.
/// </summary>
internal static class RuntimeBench
{
    public const string JobName = "bench_replay";

    /// <summary>The example job's shape: one fetch per event (as of the event's time) and a few dict operations.</summary>
    public const string Feature = """
        from featureplatform import Consistency, Output, Param, job

        @job("bench_replay", triggers="orders", consistency=Consistency.EVENTUAL,
             outputs=[Output("user_id", str), Output("tier", str, nullable=True), Output("amount", float), Output("limit_left", float)],
             params=[Param("default_limit", float, 1000.0, min=0)])
        def bench_replay(event, ctx):
            profile = ctx.fetch("user_profile", event.key)
            amount = float(event.get("amount", 0.0))
            limit = profile.get("limit", ctx.params["default_limit"]) if profile else ctx.params["default_limit"]
            return {"user_id": event.key, "tier": profile.get("tier") if profile else None,
                    "amount": amount, "limit_left": limit - amount}
        """;

    /// <summary>
    /// The same job's shape with the compute of a scoring model evaluated in Python (240 depth-4 trees over 6 features,
    /// about 50–100 µs an event here): a job whose logic, not the host's reads and writes, is what a worker spends its time on.
    /// </summary>
    public const string ScoringFeature = """
        import random
        import zlib

        from featureplatform import Consistency, Output, Param, job

        _rng = random.Random(7)
        # Each tree: depth 4, every node (feature index, threshold); a leaf value per path.
        TREES = [([(_rng.randrange(6), _rng.uniform(0, 1)) for _ in range(15)], [_rng.uniform(-1, 1) for _ in range(16)]) for _ in range(240)]

        def score(x):
            total = 0.0
            for nodes, leaves in TREES:
                i = 0
                for _ in range(4):
                    f, t = nodes[i]
                    i = 2 * i + (2 if x[f] > t else 1)
                total += leaves[i - 15]
            return total

        @job("bench_replay", triggers="orders", consistency=Consistency.EVENTUAL,
             outputs=[Output("user_id", str), Output("tier", str, nullable=True), Output("amount", float), Output("limit_left", float), Output("score", float)],
             params=[Param("default_limit", float, 1000.0, min=0)])
        def bench_replay(event, ctx):
            profile = ctx.fetch("user_profile", event.key)
            amount = float(event.get("amount", 0.0))
            limit = profile.get("limit", ctx.params["default_limit"]) if profile else ctx.params["default_limit"]
            h = zlib.crc32(event.key.encode())
            x = [amount / 1000.0 % 1.0, limit / 10000.0 % 1.0, (h & 1023) / 1023.0, ((h >> 10) & 1023) / 1023.0,
                 (event.time_ms % 86_400_000) / 86_400_000.0, 1.0 if profile and profile.get("tier") == "gold" else 0.0]
            return {"user_id": event.key, "tier": profile.get("tier") if profile else None,
                    "amount": amount, "limit_left": limit - amount, "score": score(x)}
        """;

    public const long T0 = 1_767_225_600_000;

    public static readonly SourceDefinition Orders = new() { Name = "orders", Format = SourceFormat.Json, KeyFields = ["user_id"], TimeField = "t", IdField = "oid" };

    public static readonly SourceDefinition Profiles = new() { Name = "user_profile", Format = SourceFormat.Json, KeyFields = ["user_id"], TimeField = "t" };

    public static int UsersFor(int events) => Math.Clamp(events / 20, 100, 50_000);

    /// <summary>Writes a job directory with the feature; returns it.</summary>
    public static string WriteJob(string feature = Feature)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runtime-bench", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, JobName + ".py"), feature);
        return dir;
    }

    /// <summary>
    /// The platform's graph over the event center in <paramref name="directory"/> (embedded hot and cold stores, the
    /// embedded bus), built by <c>AddEventCenter</c> + <c>AddRuntime</c> as the host builds it; hosted services are not started.
    /// </summary>
    public static ServiceProvider Graph(string directory, IReadOnlyList<SourceDefinition>? sources = null, int cacheEntries = SettledStateCache.DefaultCapacity) =>
        EventCenterGraph.Build(
            new EventCenterSettings
            {
                DataDirectory = directory,
                Sources = sources ?? [Orders, Profiles],
                // A window reaching back far enough that the synthetic 2026 events are hot, as recent events are.
                HotWindow = TimeSpan.FromDays(3650),
            },
            more: s => s.AddRuntime(new RuntimeSettings { JobsDirectory = directory, FetchTimeout = TimeSpan.FromSeconds(30), ReplayStateCacheEntries = cacheEntries }));

    /// <summary>Creates the event center's and the runtime's tables in <paramref name="services"/>' stores.</summary>
    public static async Task EnsureTablesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<TieredEventStore>().EnsureTablesAsync(cancellationToken);
        await services.GetRequiredService<IWatermarkStore>().EnsureTableAsync(cancellationToken);
        await services.GetRequiredService<TableDeadLetterStore>().EnsureTableAsync(cancellationToken);
        await services.GetRequiredService<FeatureStore>().EnsureTableAsync(cancellationToken);
        await services.GetRequiredService<JobErrorLog>().EnsureTableAsync(cancellationToken);
    }

    /// <summary>Stores one profile per user and <paramref name="events"/> orders (1 ms apart) in an embedded event center at <paramref name="directory"/>.</summary>
    public static async Task BuildStoreAsync(string directory, int events, Action<string> log, CancellationToken cancellationToken)
    {
        await using var services = Graph(directory);
        await EnsureTablesAsync(services, cancellationToken);
        var tables = services.GetRequiredService<TieredEventStore>();
        var users = UsersFor(events);
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < users; start += 1000)
        {
            await tables.WriteAsync(Enumerable.Range(start, Math.Min(1000, users - start)).Select(u => Event("user_profile", $"u{u}", T0 - 1000, $"p{u}",
                $$"""{"user_id":"u{{u}}","tier":"{{(u % 3 == 0 ? "gold" : "silver")}}","limit":5000.0}""")).ToList(), cancellationToken);
        }
        for (var start = 0; start < events; start += 1000)
        {
            await tables.WriteAsync(Enumerable.Range(start, Math.Min(1000, events - start)).Select(i => Event("orders", $"u{i % users}", T0 + i, $"o{i}",
                $$"""{"oid":"o{{i}}","user_id":"u{{i % users}}","amount":{{i % 500}}.5}""")).ToList(), cancellationToken);
            if (start % 100_000 == 99_000)
            {
                log($"stored {start + 1000:#,0} orders ({(start + 1000) / watch.Elapsed.TotalSeconds:#,0}/s)");
            }
        }
        // The ingest job would have advanced the sources' event-time watermarks past what it stored.
        var watermarks = services.GetRequiredService<IWatermarkStore>();
        await watermarks.AdvanceEventTimeAsync("user_profile", T0 + events, cancellationToken);
        await watermarks.AdvanceEventTimeAsync("orders", T0 + events, cancellationToken);
        log($"stored {events:#,0} orders and {users:#,0} profiles in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Replays orders with event time in [from, to) from the store through the job in <paramref name="shards"/> concurrent runners; returns (events, seconds).</summary>
    public static async Task<(long Events, double Seconds)> ReplayAsync(PythonHost host, string jobsDirectory, string storeDirectory, long from, long to,
        int shards, CancellationToken cancellationToken, int cacheEntries = SettledStateCache.DefaultCapacity, Recording recording = Recording.None,
        FeaturePlatform.Runtime.Workers.WorkerSupervisor? workers = null)
    {
        await using var services = Graph(storeDirectory, cacheEntries: cacheEntries);
        // With recording, each batch's reads go to the read index and its results to the result log, as live runs record them.
        var recorder = recording switch
        {
            Recording.Stored => services.GetRequiredService<ComputationRecorder>(),
            Recording.TrackedOnly => new ComputationRecorder(
                new ResultLog(new DiscardingStore(), new RepairSettings(), TimeProvider.System), new ReadIndex(new DiscardingStore(), new RepairSettings(), TimeProvider.System)),
            Recording.ResultsOnly => new ComputationRecorder(
                new ResultLog(new DiscardingStore(), new RepairSettings(), TimeProvider.System), new ReadIndex(new DiscardingStore(), new RepairSettings(), TimeProvider.System),
                trackReads: false),
            _ => null,
        };
        if (recorder is not null)
        {
            await recorder.Results.EnsureTableAsync(cancellationToken);
            await recorder.Reads.EnsureTableAsync(cancellationToken);
        }
        var events = services.GetRequiredService<TieredEventStore>();
        // The runtime's data source; replay runs get their own settled-state cache (ForRun).
        var dataSource = services.GetRequiredService<EventCenterDataSource>();
        var errors = services.GetRequiredService<JobErrorLog>();
        await using var loaded = await host.LoadJobAsync(Path.Combine(jobsDirectory, JobName + ".py"), dataSource, new JobOptions { WatchForChanges = false });
        var job = new RegisteredJob(loaded, enabled: false);
        if (workers is not null)
        {
            job.Logic = workers.For(job); // the logic runs in the job's worker process; its fetches come back here
        }
        var output = new CountingOutput();
        // One shard is a replay as RunManager runs it (one runner; its trigger reads time chunks in parallel). More shards
        // run side by side: while one waits on a fetch (GIL released), another runs Python.
        // As RunManager, each event gets the parameter values in force at its time: a history with a change in the middle
        // of the range (so the set changes during the replay) — one parameter set crossing per chunk, not per event.
        var history = new ParameterHistory(job.Name,
        [
            new ParameterChange(0, long.MinValue, loaded.Parameters, "bench", "the job's values"),
            new ParameterChange(1, from + ((to - from) / 2), loaded.Parameters, "bench", "a change half-way"),
        ]);
        var runners = Enumerable.Range(0, shards).Select(_ => new JobRunner(job, dataSource.ForRun(), [output], errors, NullLogger.Instance,
            mode: RunMode.Replay, parameters: ParameterPlan.Create(job.Declaration, history), recorder: recorder)).ToList();
        var span = (to - from) / shards;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(runners.Select((runner, i) => runner.RunAsync(
            new ReplayTrigger(events, "orders", from + i * span, i == shards - 1 ? to : from + (i + 1) * span, shards == 1 ? new ReplayOptions() : new ReplayOptions { BatchSize = 1000, Parallelism = 1 }),
            cancellationToken)));
        watch.Stop();
        var done = runners.Sum(r => r.Counters.Events);
        var failures = runners.Sum(r => r.Counters.Failures);
        if (failures > 0 || output.Rows != done)
        {
            throw new InvalidOperationException($"Replay produced {output.Rows} rows for {done} events with {failures} failures.");
        }
        return (done, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Where replay time goes: raw scan events/s and direct as-of fetches/s (one thread each) over the same store.</summary>
    public static async Task<(double ScanPerSecond, double FetchPerSecond)> BreakdownAsync(string storeDirectory, int events, CancellationToken cancellationToken)
    {
        await using var services = Graph(storeDirectory);
        var tables = services.GetRequiredService<TieredEventStore>();
        var watch = Stopwatch.StartNew();
        long scanned = 0;
        await foreach (var _ in tables.ReplayAsync("orders", T0, T0 + events, cancellationToken))
        {
            scanned++;
        }
        var scan = scanned / watch.Elapsed.TotalSeconds;
        var dataSource = services.GetRequiredService<EventCenterDataSource>();
        var users = UsersFor(events);
        var fetches = Math.Min(events, 100_000);
        watch.Restart();
        for (var i = 0; i < fetches; i++)
        {
            _ = dataSource.Fetch("user_profile", $"u{i % users}", T0 + i, Consistency.Eventual) ?? throw new InvalidOperationException("profile missing");
        }
        return (scan, fetches / watch.Elapsed.TotalSeconds);
    }

    /// <summary>Runs the pure-Python baseline inside <paramref name="host"/>'s interpreter; returns events/s.</summary>
    public static async Task<double> BaselineAsync(PythonHost host, string jobsDirectory, int users, int events)
    {
        var code = JsonSerializer.Serialize(PyBridgeBench.Baseline);
        var path = JsonSerializer.Serialize(Path.Combine(jobsDirectory, JobName + ".py"));
        var expression = $"(lambda ns: (exec({code}, ns), ns['run']({path}, {users}, {events}, {users}))[1])({{}})";
        return double.Parse(await host.EvaluateAsync(expression), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ChangeEvent Event(string source, string key, long time, string id, string json) => new()
    {
        Source = source, EntityKey = key, Operation = EventOperation.Message, EventTime = time, IngestTime = time,
        Position = new SourcePosition(source, 0, time), EventId = id, After = Encoding.UTF8.GetBytes(json),
    };

    /// <summary>Counts result rows and drops them (the replay's cost without an output's).</summary>
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

/// <summary>What a benchmark replay records of its computations.</summary>
internal enum Recording
{
    /// <summary>Nothing (a backtest).</summary>
    None,

    /// <summary>Result records built, then discarded, no read tracking: what live runs record with repair off (for the parity check).</summary>
    ResultsOnly,

    /// <summary>Reads tracked and records built, then discarded: the cost of the tracking itself.</summary>
    TrackedOnly,

    /// <summary>Reads and results stored in the read index and the result log, as live runs do.</summary>
    Stored,
}
