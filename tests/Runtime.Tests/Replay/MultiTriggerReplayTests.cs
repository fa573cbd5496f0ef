using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Runtime.Replay.Sharded;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using FeaturePlatform.Runtime.Tests.Triggers;
namespace FeaturePlatform.Runtime.Tests.Replay;

/// <summary>
/// A replay of a job with two trigger sources merges both in (event time, source position) order, equals what live
/// produced on in-order data, and is the same sequence and the same results whatever the chunk or shard setting.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class MultiTriggerReplayTests(PythonHostFixture python)
{
    private const string BothSides = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job("both_sides", triggers=["orders", "profiles"], consistency=Consistency.FETCH_STRONG,
             outputs=[Output("source", str, "The trigger's source."), Output("orders", int, "The user's orders in the last day."),
                      Output("tier", str, "The user's tier.", nullable=True)])
        def both_sides(event, ctx):
            history = ctx.history("orders", event.key, since=timedelta(days=1))
            profile = ctx.fetch("profiles", event.key)
            return {"source": event.source, "orders": len(history), "tier": profile.get("tier") if profile else None}
        """;

    private static readonly string[] Both = ["orders", "profiles"];

    [Fact]
    public async Task A_two_trigger_replay_merges_both_sources_in_order_and_equals_live_on_in_order_data()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("merge-bus")) });
        await bus.CreateTopicAsync("orders", 2);
        await bus.CreateTopicAsync("profiles", 2);
        var orders = RuntimeHarness.Orders with { Topics = ["orders"] };
        var profiles = RuntimeHarness.Profiles with { Topics = ["profiles"] };
        await using var harness = await RuntimeHarness.StartAsync(bus, orders, profiles);
        var job = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("both_sides", BothSides), harness.DataSource), enabled: true);
        harness.StartIngest();

        // Live as the runtime runs a two-trigger job: one trigger and runner per source, one output.
        var live = new CollectingOutput();
        var runners = new List<JobRunner>();
        foreach (var source in new[] { orders, profiles })
        {
            var runner = new JobRunner(job, harness.DataSource, [live], harness.Errors, NullLogger.Instance);
            var trigger = new LiveTrigger(bus, source, UniqueName.For("job"), ConsistencyLevel.FetchStrong, harness.Waiter, harness.Events,
                new LiveTriggerOptions { MaxBatchMessages = 20, MaxBatchWait = TimeSpan.FromMilliseconds(20) });
            harness.Run(ct => runner.RunAsync(trigger, ct));
            runners.Add(runner);
        }

        // In event-time order, three events per millisecond step so that ties across the sources occur.
        var random = new Random(7);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const int Total = 240;
        await using (var producer = bus.CreateProducer())
        {
            for (var i = 0; i < Total; i++)
            {
                var user = $"u{random.Next(12)}";
                var t = t0 + i / 3 * 2;
                var profile = random.Next(3) == 0;
                await producer.ProduceAsync(profile ? "profiles" : "orders", [profile
                    ? Json(user, $$"""{"pid":"p{{i}}","user_id":"{{user}}","t":{{t}},"tier":"{{(char)('a' + random.Next(4))}}"}""")
                    : Json(user, $$"""{"oid":"o{{i}}","user_id":"{{user}}","t":{{t}},"amount":{{random.Next(1, 500)}}}""")]);
            }
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(runners.Sum(r => r.Counters.Events) >= Total), $"{Total} events ran live");

        var replay = new CollectingOutput();
        var replayRunner = new JobRunner(job, harness.DataSource.ForRun(), [replay], harness.Errors, NullLogger.Instance);
        var recording = new RecordingTrigger(new ReplayTrigger(harness.Events, Both, t0, t0 + Total, new ReplayOptions { BatchSize = 9, Parallelism = 3 }));
        await replayRunner.RunAsync(recording, CancellationToken.None);

        Assert.Equal(0, runners.Sum(r => r.Counters.Failures) + replayRunner.Counters.Failures);
        var sequence = recording.Events;
        Assert.Equal(Total, sequence.Count);
        Assert.Equal(Both, sequence.Select(e => e.Source).Distinct().Order(StringComparer.Ordinal));
        AssertStrictlyOrdered(sequence);
        Assert.Equal(Total, replay.Canonical().Count);
        Assert.Equal(live.Canonical(), replay.Canonical());
    }

    [Fact]
    public async Task Replays_of_a_two_trigger_job_are_the_same_sequence_and_results_for_every_chunk_and_shard_setting()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        const long T0 = 1_767_225_600_000;
        var random = new Random(11);
        var events = Enumerable.Range(0, 300).Select(i => random.Next(3) == 0
            ? StoredEvents.Profile($"u{random.Next(10)}", T0 + i / 4, $"{(char)('a' + random.Next(4))}", $"p{i}")
            : StoredEvents.Order($"u{random.Next(10)}", T0 + i / 4, random.Next(1, 100), $"o{i}")).ToList();
        await StoredEvents.StoreAsync(harness, events);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("both_sides", BothSides));
        var job = jobs.Find("both_sides")!;
        var (from, to) = (T0, T0 + 300);

        var runs = new List<(string Setting, IReadOnlyList<string> Sequence, IReadOnlyList<string> Results)>();
        foreach (var (parallelism, batch) in new[] { (1, 1000), (3, 7), (4, 1), (6, 50) })
        {
            var (sequence, results) = await ReplayAsync(harness, job, [(from, to)], new ReplayOptions { Parallelism = parallelism, BatchSize = batch });
            runs.Add(($"{parallelism} chunks, batches of {batch}", sequence, results));
        }
        foreach (var shards in new[] { 1, 3, 8 })
        {
            var split = ReplayShardCoordinator.Split("run", job.Name, Both, from, to, shards);
            Assert.All(split, s => Assert.Equal(Both, s.Sources));
            var (sequence, results) = await ReplayAsync(harness, job, [.. split.Select(s => (s.From, s.To))], new ReplayOptions { Parallelism = 2, BatchSize = 5 });
            runs.Add(($"{shards} shards", sequence, results));
        }

        var expected = runs[0];
        Assert.Equal(300, expected.Sequence.Count);
        Assert.Equal(events.Where(e => e.Source == "profiles").Select(e => e.EventId).Order(StringComparer.Ordinal),
            expected.Sequence.Where(s => s.StartsWith("profiles/", StringComparison.Ordinal)).Select(s => s["profiles/".Length..]).Order(StringComparer.Ordinal));
        Assert.Equal(300, expected.Results.Count);
        foreach (var run in runs)
        {
            Assert.True(expected.Sequence.SequenceEqual(run.Sequence), $"{run.Setting}: another sequence of events than {expected.Setting}");
            Assert.True(expected.Results.SequenceEqual(run.Results), $"{run.Setting}: other results than {expected.Setting}");
        }
    }

    [Fact]
    public async Task A_run_replays_every_trigger_source_by_default_one_when_named_and_refuses_a_source_that_is_no_trigger()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        const long T0 = 1_767_225_600_000;
        await StoredEvents.StoreAsync(harness, [
            StoredEvents.Order("u1", T0 + 1, 10, "o1"), StoredEvents.Profile("u1", T0 + 2, "a", "p1"), StoredEvents.Order("u1", T0 + 3, 20, "o2")]);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("both_sides", BothSides));
        await using var manager = new RunManager(jobs, harness.Events, harness.DataSource, harness.Errors);

        var all = await manager.WaitAsync(await manager.StartAsync(new RunRequest { Job = "both_sides", Input = new TimeRangeInput(T0, T0 + 10) }));
        Assert.Equal(RunState.Completed, all!.State);
        Assert.Equal(3, all.Progress.EventsDone);
        var one = await manager.WaitAsync(await manager.StartAsync(new RunRequest { Job = "both_sides", Input = new TimeRangeInput(T0, T0 + 10) { Source = "profiles" } }));
        Assert.Equal(1, one!.Progress.EventsDone);

        var refused = await Assert.ThrowsAsync<RunSourceException>(() => manager.StartAsync(new RunRequest { Job = "both_sides", Input = new TimeRangeInput(T0, T0 + 10) { Source = "clicks" } }));
        Assert.StartsWith("source: 'clicks' is not a trigger source of job 'both_sides'; valid values: orders, profiles", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Replays the chunks one after another (as shards), each with its own runner; returns the event sequence and the results in run order.</summary>
    private static async Task<(IReadOnlyList<string> Sequence, IReadOnlyList<string> Results)> ReplayAsync(RuntimeHarness harness, RegisteredJob job,
        IReadOnlyList<(long From, long To)> chunks, ReplayOptions options)
    {
        var sequence = new List<string>();
        var output = new CollectingOutput();
        foreach (var (from, to) in chunks)
        {
            var recording = new RecordingTrigger(new ReplayTrigger(harness.Events, Both, from, to, options));
            var runner = new JobRunner(job, harness.DataSource.ForRun(), [output], harness.Errors, NullLogger.Instance);
            await runner.RunAsync(recording, CancellationToken.None);
            Assert.Equal(0, runner.Counters.Failures);
            AssertStrictlyOrdered(recording.Events);
            sequence.AddRange(recording.Events.Select(e => $"{e.Source}/{e.EventId}"));
        }
        // Results in the order the run loop wrote them: the same sequence must give the same rows in the same order.
        return (sequence, output.Results.Select(r => r.ResultId + ": " + string.Join(';', r.Values.Select(v => $"{v.Key}={v.Value}"))).ToList());
    }

    private static void AssertStrictlyOrdered(IReadOnlyList<ChangeEvent> sequence)
    {
        for (var i = 1; i < sequence.Count; i++)
        {
            Assert.True(EventOrder.Instance.Compare(sequence[i - 1], sequence[i]) < 0,
                $"event {i} ({sequence[i].Source} {sequence[i].EventId} at {sequence[i].EventTime}, {sequence[i].Position}) is not after event {i - 1} " +
                $"({sequence[i - 1].Source} {sequence[i - 1].EventId} at {sequence[i - 1].EventTime}, {sequence[i - 1].Position})");
        }
    }

    private static OutgoingMessage Json(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));
}
