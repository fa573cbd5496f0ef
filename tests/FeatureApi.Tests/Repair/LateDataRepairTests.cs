using System.Diagnostics;
using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Repair;

/// <summary>
/// Late-data repair on the full path (Kafka mock → ingestion → live trigger → run loop → outputs → repair): a skewed
/// stream with out-of-order arrival, duplicates and 2% of events 5–60 s late. After it settles, what live produced (the
/// latest revision per trigger event) equals a replay of the range row for row, and the feature store holds the
/// replay's latest row per key. With repair switched off, the same kind of stream leaves live and replay different.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class LateDataRepairTests(KafkaFixture kafka, ITestOutputHelper output)
{
    /// <summary>Per order: the entity's orders and amount over the last 2 s (its own history) and its profile's tier (another source).</summary>
    private const string Job = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job("late_stats", triggers="late_a", consistency=Consistency.EVENTUAL,
             outputs=[Output("pair", str), Output("orders", int), Output("amount", int), Output("tier", str, nullable=True)])
        def late_stats(event, ctx):
            recent = ctx.history("late_a", event.key, since=timedelta(seconds=2))
            profile = ctx.fetch("late_b", event.key)
            return {"pair": event.key, "orders": len(recent), "amount": sum(int(c.data["amount"]) for c in recent),
                    "tier": profile.get("tier") if profile else None}
        """;

    [Fact]
    public async Task After_late_and_out_of_order_data_settles_live_equals_a_replay_row_for_row()
    {
        var (stream, live, replay, features) = await RunAsync(20_000, repair: true, seed: 11);
        output.WriteLine($"{stream.Events.Count} events, {stream.Arrivals.Count - stream.Events.Count} duplicates, {stream.Late} late");
        Assert.True(stream.Events.Count >= 20_000 && stream.Late >= 200, $"{stream.Events.Count} events, {stream.Late} late");

        var differing = Differences(live, replay);
        Assert.True(differing.Count == 0, $"{differing.Count} of {replay.Count} computations differ after settling, e.g. {string.Join("; ", differing.Take(3))}");
        // The feature store holds, per key, the replay's row of its latest trigger event.
        var latest = replay.Values.GroupBy(r => r.Key).Select(g => g.MaxBy(r => r.EventTime)!).ToList();
        var wrong = latest.Where(r => !features.TryGetValue(r.Key, out var stored) || stored != Canonical(r.Row)).Select(r => r.Key).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {latest.Count} keys differ in the feature store, e.g. {string.Join(", ", wrong.Take(5))}");
    }

    [Fact]
    public async Task Without_repair_late_and_out_of_order_data_leave_live_different_from_a_replay()
    {
        var (stream, live, replay, _) = await RunAsync(4_000, repair: false, seed: 12, lateAfterComputed: true);
        var differing = Differences(live, replay);
        output.WriteLine($"{stream.Events.Count} events, {stream.Late} late: {differing.Count} of {replay.Count} computations differ without repair");
        Assert.True(differing.Count > 0, "live equals replay without repair: the stream has no effect the repair would have to undo");
    }

    private async Task<(LateStream Stream, Dictionary<string, Computed> Live, Dictionary<string, Computed> Replay, Dictionary<string, string> Features)> RunAsync(
        int count, bool repair, int seed, bool lateAfterComputed = false)
    {
        var prefix = $"late{seed}";
        var settings = JoinKafka.Settings(kafka, 2, prefix);
        settings["Runtime:Repair:Enabled"] = repair ? "true" : "false";
        settings["Runtime:Repair:Delay"] = "00:00:00.500";
        settings["Runtime:Jobs:late_stats:Outputs:1:Kind"] = "FeatureStore";
        // The repair's trace of each stored event (readers run again or not) and every warning, shown when repairs do not settle.
        var logs = new RepairLog();
        await using var platform = new JoinPlatform(["late_a", "late_b"], [("late_stats", Job)], settings, logs);
        using var client = platform.CreateClient(PlatformFactory.Reader);
        await Poll.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), () => "the platform to be ready");
        var services = platform.Services;
        var topics = new Dictionary<string, string> { ["late_a"] = settings["EventCenter:Sources:5:Topics:0"], ["late_b"] = settings["EventCenter:Sources:6:Topics:0"] };

        // Produced at about the pace of event time (1 ms per event), so the stream's time stays near the clock.
        var stream = LateStream.Build(count, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), seed);
        var results = services.GetRequiredService<ResultLog>();
        var watch = Stopwatch.StartNew();
        await using (var producer = services.GetRequiredService<IMessageBus>().CreateProducer())
        {
            if (lateAfterComputed)
            {
                // The late events arrive only once every order computed live before them is: however slowly the
                // consumers start or keep up, each late event is one that live has already missed.
                await ProduceAsync(producer, topics, stream.Arrivals.Where(e => !stream.LateIds.Contains(e.Id)));
                var onTime = stream.Events.Where(e => e.Source == "late_a" && !stream.LateIds.Contains(e.Id)).Select(e => ("late_a", e.Id)).ToList();
                await Poll.UntilAsync(async () => (await results.GetAsync("late_stats", onTime)).Count == onTime.Count, TimeSpan.FromSeconds(360),
                    () => $"all {onTime.Count} on-time orders computed live before the late events arrive");
                await ProduceAsync(producer, topics, stream.Arrivals.Where(e => stream.LateIds.Contains(e.Id)));
            }
            else
            {
                await ProduceAsync(producer, topics, stream.Arrivals);
            }
        }
        output.WriteLine($"produced {stream.Arrivals.Count} messages in {watch.Elapsed.TotalSeconds:F1} s");

        // Settled: every event stored, every order computed live, then (with repair) every repair done.
        var counters = services.GetRequiredService<IngestCounters>();
        await Poll.UntilAsync(() => Task.FromResult(counters.Written >= stream.Events.Count), TimeSpan.FromSeconds(360),
            () => $"{stream.Events.Count} events stored (written {counters.Written}, duplicates {counters.Duplicates})");
        var orders = stream.Events.Where(e => e.Source == "late_a").Select(e => ("late_a", e.Id)).ToList();
        await Poll.UntilAsync(async () => (await results.GetAsync("late_stats", orders)).Count == orders.Count, TimeSpan.FromSeconds(360),
            () => $"all {orders.Count} orders computed live");
        var replay = await ReplayAsync(services, stream);
        Dictionary<string, Computed> live = [];
        if (repair)
        {
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(240);
            List<string> differing;
            while ((differing = Differences(live = await LiveAsync(results, orders), replay)).Count > 0 && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            if (differing.Count > 0)
            {
                await DiagnoseAsync(services, stream, live, replay, logs);
                Assert.Fail($"repairs did not settle within 240 s: {differing.Count} computations still differ, e.g. {string.Join("; ", differing.Take(3))}");
            }
            // A batch records its result-log rows before its outputs: the last repairs' feature-store writes are done
            // once no batch that started before now is still in flight.
            using var inFlight = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await services.GetRequiredService<ComputationRecorder>().InFlight.WaitForBatchesStartedBeforeAsync(
                services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds() + 1, inFlight.Token);
        }
        else
        {
            live = await LiveAsync(results, orders);
        }
        output.WriteLine($"settled {watch.Elapsed.TotalSeconds:F1} s after the first message");
        var store = services.GetRequiredService<FeatureStore>();
        var features = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in stream.Events.Select(e => e.Pair).Distinct())
        {
            if (await store.GetAsync("late_stats", key) is { } record)
            {
                features[key] = Canonical(record.Values);
            }
        }
        return (stream, live, replay, features);
    }

    /// <summary>
    /// Why computations were not repaired: per unrepaired computation (a few), its logged revision, the late events that
    /// change what it reads, when each was stored and what the repair of each found; then the host's warnings.
    /// </summary>
    private async Task DiagnoseAsync(IServiceProvider services, LateStream stream, Dictionary<string, Computed> live, Dictionary<string, Computed> replay, RepairLog logs)
    {
        var results = services.GetRequiredService<ResultLog>();
        var reader = services.GetRequiredService<EventCenter.EventStorage.IEventReader>();
        var byId = stream.Events.ToDictionary(e => e.Id);
        var unrepaired = Differences(live, replay).Select(d => d[..d.IndexOf(':')]).ToList();
        output.WriteLine($"{unrepaired.Count} unrepaired; repair log: {logs.Entries.Count} entries");
        foreach (var id in unrepaired.Take(15))
        {
            var x = byId[id];
            var logged = (await results.GetAsync("late_stats", [("late_a", id)]))[("late_a", id)];
            output.WriteLine($"-- {id} key {x.Pair} time {x.Time}: live {live[id].Row} ({logged.Kind} revision {logged.Revision}), replay {replay[id].Row}");
            var late = stream.Events.Where(e => stream.LateIds.Contains(e.Id) && e.Pair == x.Pair && e.Id != id
                && (e.Source == "late_a" ? e.Time >= x.Time - 2000 && e.Time <= x.Time : e.Time <= x.Time)).ToList();
            foreach (var e in late.Where(e => e.Source == "late_a").Concat(late.Where(e => e.Source == "late_b").TakeLast(2)))
            {
                var stored = (await reader.GetByIdsAsync(e.Source, [e.Id]))[0];
                output.WriteLine($"   late {e.Source}/{e.Id} time {e.Time} ingested {stored?.IngestTime}");
                foreach (var line in logs.Entries.Where(l => l.Contains($"/{e.Id} (", StringComparison.Ordinal)))
                {
                    output.WriteLine($"     {(line.Length > 400 ? line[..400] + "…" : line)}");
                    var mine = line.Split([' ', '[', ']'], StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith(id + "@", StringComparison.Ordinal));
                    output.WriteLine($"     {id} in it: {string.Join(", ", mine)}; listed under {(line.IndexOf($"{id}@", StringComparison.Ordinal) is var at && at < 0 ? "none" : at < line.IndexOf("saw it", StringComparison.Ordinal) ? "run again" : "saw it")}");
                }
            }
            foreach (var line in logs.Entries.Where(l => l.StartsWith("Repair of job", StringComparison.Ordinal) && l.Contains($" {id} ", StringComparison.Ordinal) || l.Contains($"[{id} ", StringComparison.Ordinal) || l.Contains($" {id}]", StringComparison.Ordinal)).Take(5))
            {
                output.WriteLine($"   job: {(line.Length > 300 ? line[..300] + "…" : line)}");
            }
        }
        foreach (var warning in logs.Warnings.Take(30))
        {
            output.WriteLine($"warning: {warning}");
        }
    }

    /// <summary>The host's repair trace (debug) and its warnings and errors.</summary>
    private sealed class RepairLog : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Entries { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> Warnings { get; } = new();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(RepairLog log, string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) =>
                logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning || (logLevel >= Microsoft.Extensions.Logging.LogLevel.Debug && category.StartsWith("FeaturePlatform.Runtime.Repair", StringComparison.Ordinal));

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning)
                {
                    log.Warnings.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
                }
                else if (IsEnabled(logLevel))
                {
                    log.Entries.Enqueue(formatter(state, exception));
                }
            }
        }
    }

    /// <summary>The job's replay of the whole range from the event center (as backtests run it), keyed by order id.</summary>
    private static async Task<Dictionary<string, Computed>> ReplayAsync(IServiceProvider services, LateStream stream)
    {
        var startup = services.GetRequiredService<RuntimeStartup>();
        var job = startup.Jobs.Single(j => j.Name == "late_stats");
        var collected = new Collecting();
        var runner = new JobRunner(job, startup.DataSource.ForRun(), [collected], services.GetRequiredService<JobErrorLog>(), NullLogger.Instance,
            mode: Runtime.Diagnostics.RunMode.Replay);
        var events = services.GetRequiredService<TieredEventStore>();
        await runner.RunAsync(new ReplayTrigger(events, "late_a", stream.Events[0].Time, stream.Events[^1].Time + 1), CancellationToken.None);
        Assert.Equal(0, runner.Counters.Failures);
        return collected.Rows.ToDictionary(r => r.Trigger.EventId,
            r => new Computed(r.Key, r.EventTime, JsonSerializer.Serialize(r.Values.ToDictionary(v => v.Key, v => v.Value))));
    }

    private static async Task<Dictionary<string, Computed>> LiveAsync(ResultLog results, List<(string, string)> orders)
    {
        var logged = await results.GetAsync("late_stats", orders);
        return logged.ToDictionary(l => l.Key.EventId, l => new Computed(l.Value.Key, l.Value.EventTime, l.Value.Rows.Count == 1 ? l.Value.Rows[0].GetRawText() : $"rows: {l.Value.Rows.Count}, error: {l.Value.Error}"));
    }

    private static List<string> Differences(Dictionary<string, Computed> live, Dictionary<string, Computed> replay) =>
        [.. replay.Where(r => !live.TryGetValue(r.Key, out var l) || Canonical(l.Row) != Canonical(r.Value.Row))
            .Select(r => $"{r.Key}: live {(live.TryGetValue(r.Key, out var l) ? l.Row : "absent")}, replay {r.Value.Row}")];

    /// <summary>A row as sorted "column=value" pairs (JSON text of each value), so both sides compare whatever their layout.</summary>
    private static string Canonical(string json) =>
        json.StartsWith('{') ? Canonical(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!) : json;

    private static string Canonical(IReadOnlyDictionary<string, JsonElement> values) =>
        string.Join(";", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value.GetRawText()}"));

    /// <summary>Produces messages in arrival order, about 100 per 100 ms (the pace of event time).</summary>
    private static async Task ProduceAsync(IBusProducer producer, Dictionary<string, string> topics, IEnumerable<StreamEvent> arrivals)
    {
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        foreach (var chunk in arrivals.Chunk(100))
        {
            foreach (var run in Runs(chunk))
            {
                await producer.ProduceAsync(topics[run[0].Source], [.. run.Select(e => e.Message)]);
            }
            await pace.WaitForNextTickAsync();
        }
    }

    /// <summary>Consecutive messages of one source (one produce call each, arrival order kept).</summary>
    private static IEnumerable<StreamEvent[]> Runs(StreamEvent[] chunk)
    {
        var start = 0;
        for (var i = 1; i <= chunk.Length; i++)
        {
            if (i == chunk.Length || chunk[i].Source != chunk[start].Source)
            {
                yield return chunk[start..i];
                start = i;
            }
        }
    }

    private sealed record Computed(string Key, long EventTime, string Row);

    private sealed class Collecting : IJobOutput
    {
        private readonly List<FeatureResult> rows = [];

        public string Name => "collect";

        public IReadOnlyList<FeatureResult> Rows
        {
            get
            {
                lock (rows)
                {
                    return [.. rows];
                }
            }
        }

        public ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
        {
            lock (rows)
            {
                rows.AddRange(results);
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
