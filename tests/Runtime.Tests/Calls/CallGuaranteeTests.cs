using System.Diagnostics;
using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Calls;

/// <summary>
/// The promises of calls (SEMANTICS §4), each driven through the real path — dispatcher → calls topic on the embedded bus
/// → call worker → run loop → outputs and ledger: calls are events of the job's own request source and never change
/// another source's events; exactly one run per request id; a failed call's answer has the traceback; a call waiting
/// in a fetch does not hold up other calls.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class CallGuaranteeTests(PythonHostFixture python)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Counts the user's orders as of the event (the example: two calls turned 2 orders into 4).</summary>
    private const string OrderCount = """
        from datetime import timedelta
        from featureplatform import Output, job

        @job("order_count", triggers="orders", consistency="trigger_strong",
             outputs=[Output("order_count", int, "The user's orders so far.")])
        def order_count(event, ctx):
            return {"order_count": len(ctx.history("orders", event.key, since=timedelta(days=3650)))}
        """;

    /// <summary>Key "slow…" fetches (the test's data source holds such fetches until released); others answer at once.</summary>
    private const string Fetching = """
        from featureplatform import Output, job

        @job("fetching", triggers="orders", outputs=[Output("key", str, "The request's key.")])
        def fetching(event, ctx):
            if event.key.startswith("slow"):
                ctx.fetch("profiles", event.key)
            return {"key": event.key}
        """;

    [Fact]
    public async Task Calls_never_change_the_events_of_the_trigger_source_so_two_calls_leave_an_order_count_of_two_at_two()
    {
        await using var world = await World.StartAsync(python, ("order_count", OrderCount));
        world.Harness.StartIngest();
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        await using (var producer = world.Bus.CreateProducer())
        {
            foreach (var (id, t) in new[] { ("o1", t0), ("o2", t0 + 1) })
            {
                await producer.ProduceAsync("orders", [new OutgoingMessage("u1"u8.ToArray(), Encoding.UTF8.GetBytes($$"""{"oid":"{{id}}","user_id":"u1","t":{{t}},"amount":5}"""))]);
            }
        }
        await RuntimeHarness.WaitUntilAsync(async () => await world.Harness.Events.GetByIdAsync("orders", "o2") is not null, "both orders are stored");

        foreach (var (request, t) in new[] { ("call-1", t0 + 2), ("call-2", t0 + 3) })
        {
            var answer = await world.Dispatcher.CallAsync(new CallRequest("order_count", null, "u1", """{"user_id":"u1","amount":7}""", t, request), null, Wait);
            Assert.Equal(CallAnswer.Done, answer!.State);
            Assert.Equal(2, answer.Results[0].GetProperty("order_count").GetInt32());
        }

        // The orders source holds the two real orders only; a replay of it counts 1 and 2 as live did.
        var orders = await world.Harness.Events.GetHistoryAsync("orders", "u1", 0, long.MaxValue).ToListAsync();
        Assert.Equal(["o1", "o2"], orders.Select(e => e.EventId));
        var replay = new CollectingOutput();
        await new JobRunner(world.Jobs.Find("order_count")!, world.Harness.DataSource, [replay], world.Harness.Errors, NullLogger.Instance)
            .RunAsync(new ReplayTrigger(world.Harness.Events, "orders", t0, t0 + 10), CancellationToken.None);
        Assert.Equal([1L, 2L], replay.Results.Select(r => (long)r.Values.Single(v => v.Key == "order_count").Value!));
        // The calls are events of the job's request source.
        var calls = await world.Harness.Events.GetHistoryAsync("calls.order_count", "u1", 0, long.MaxValue).ToListAsync();
        Assert.Equal(["call-1", "call-2"], calls.Select(e => e.EventId));
    }

    [Fact]
    public async Task Eight_concurrent_retries_of_one_request_id_run_the_job_once_and_write_one_set_of_outputs()
    {
        await using var world = await World.StartAsync(python, ("order_count", OrderCount));
        // Two members of the workers' group plus a second accepting "process": the retries meet on the bus.
        var second = new CallDispatcher(world.Bus, world.Settings, () => world.Caller, world.Jobs.Find, world.Harness.Events, world.Ledger,
            new CallCompletions(), repliesConfigured: false);
        await using var _ = second;
        var other = world.StartWorker();
        var request = new CallRequest("order_count", null, "u8", """{"user_id":"u8"}""", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000, "req-retried");

        using var start = new ManualResetEventSlim();
        var retries = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await (i % 2 == 0 ? world.Dispatcher : second).CallAsync(request, null, Wait);
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(retries);

        Assert.All(answers, a => Assert.Equal(answers[0]!.ToJson(), a!.ToJson()));
        Assert.Equal(CallAnswer.Done, answers[0]!.State);
        Assert.Equal(1, world.Worker.Runs + other.Runs);
        Assert.Single(world.Output.Results);
        Assert.Single(await world.Harness.Events.GetHistoryAsync("calls.order_count", "u8", 0, long.MaxValue).ToListAsync());
    }

    [Fact]
    public async Task A_failed_calls_answer_carries_the_python_traceback_by_signal_and_by_poll()
    {
        await using var world = await World.StartAsync(python, ("poison", RunTestJobs.Poison));
        var answer = await world.Dispatcher.CallAsync(new CallRequest("poison", null, "u1", """{"poison":true}""", null, "req-tb"), null, Wait);

        Assert.Equal((CallAnswer.Failed, "ValueError: poisoned order req-tb"), (answer!.State, answer.Error));
        Assert.Contains("Traceback", answer.Traceback, StringComparison.Ordinal);
        Assert.Contains("line 6, in poison", answer.Traceback, StringComparison.Ordinal);
        Assert.Contains("raise ValueError(f\"poisoned order {event.id}\")", answer.Traceback, StringComparison.Ordinal);
        Assert.Equal(answer.Traceback, (await world.Dispatcher.PollAsync("poison", "req-tb")).Answer!.Traceback);
    }

    [Fact]
    public async Task Calls_waiting_in_fetches_do_not_delay_ten_trivial_calls()
    {
        using var gate = new ManualResetEventSlim();
        await using var world = await World.StartAsync(python, ("fetching", Fetching), source => new GatedSource(source, gate));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000;
        // More calls wait in fetches than the host has latency threads (2): each must leave the others free.
        var slow = Enumerable.Range(0, 3).Select(i =>
            world.Dispatcher.CallAsync(new CallRequest("fetching", null, $"slow-{i}", null, now, $"req-slow-{i}"), null, Wait)).ToList();
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(GatedSource.Waiting == 3 || slow.Any(t => t.IsCompleted)), "the slow calls wait in their fetches", Wait);
        Assert.True(GatedSource.Waiting == 3, string.Join("; ", slow.Where(t => t.IsCompleted).Select(t => t.IsCompletedSuccessfully ? $"{t.Result?.State} {t.Result?.Error}" : t.Exception!.Message)));

        var clock = Stopwatch.StartNew();
        var quick = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            world.Dispatcher.CallAsync(new CallRequest("fetching", null, $"quick-{i}", null, now, $"req-quick-{i}"), null, TimeSpan.FromSeconds(20))));
        var elapsed = clock.Elapsed;

        Assert.All(quick, a => Assert.Equal(CallAnswer.Done, a?.State));
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"10 trivial calls took {elapsed} behind 3 calls waiting in fetches");
        Assert.All(slow, t => Assert.False(t.IsCompleted));
        gate.Set();
        Assert.All(await Task.WhenAll(slow), a => Assert.Equal(CallAnswer.Done, a!.State));
    }

    /// <summary>A data source whose fetches of keys "slow…" wait until the gate opens (like a consistency wait).</summary>
    private sealed class GatedSource(IFeatureDataSource inner, ManualResetEventSlim gate) : IFeatureDataSource
    {
        private static int waiting;

        public static int Waiting => Volatile.Read(ref waiting);

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
        {
            if (key.StartsWith("slow", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref waiting);
                try
                {
                    gate.Wait(TimeSpan.FromSeconds(60));
                }
                finally
                {
                    Interlocked.Decrement(ref waiting);
                }
            }
            return inner.Fetch(source, key, asOfMs, consistency);
        }

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
            inner.History(source, key, sinceMs, untilMs, limit, consistency);
    }

    /// <summary>A runtime's calls on an embedded bus: harness, jobs, one accepting dispatcher and one worker.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(RuntimeHarness harness, JobRegistry jobs, EmbeddedMessageBus bus, CallSettings settings, JobCaller caller, CallLedger ledger,
            CallCompletions completions, CollectingOutput output)
        {
            Harness = harness;
            Jobs = jobs;
            Bus = bus;
            Settings = settings;
            Caller = caller;
            Ledger = ledger;
            Completions = completions;
            Output = output;
            Dispatcher = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, ledger, completions, repliesConfigured: false);
        }

        public RuntimeHarness Harness { get; }

        public JobRegistry Jobs { get; }

        public EmbeddedMessageBus Bus { get; }

        public CallSettings Settings { get; }

        public JobCaller Caller { get; }

        public CallLedger Ledger { get; }

        public CallCompletions Completions { get; }

        public CollectingOutput Output { get; }

        public CallDispatcher Dispatcher { get; }

        public CallWorker Worker { get; private set; } = null!;

        public static async Task<World> StartAsync(PythonHostFixture python, (string Name, string Source) job, Func<IFeatureDataSource, IFeatureDataSource>? wrap = null)
        {
            var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("calls-bus")) });
            await bus.CreateTopicAsync("orders", 2);
            await bus.CreateTopicAsync("profiles", 2);
            var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders, RuntimeHarness.Profiles);
            var source = wrap?.Invoke(harness.DataSource) ?? harness.DataSource;
            var jobs = await StoredEvents.LoadJobsAsync(python, source, job);
            var output = new CollectingOutput();
            var eventCenter = new EventCenterOutput(harness.Events);
            var caller = new JobCaller(jobs, harness.Events, source, harness.Errors, _ => [output, eventCenter]);
            var settings = new CallSettings { Topic = UniqueName.For("calls"), Partitions = 2, GroupId = UniqueName.For("calls") };
            var world = new World(harness, jobs, bus, settings, caller, BusCallTests.Ledger(harness), new CallCompletions(), output);
            await world.Dispatcher.EnsureTopicAsync();
            world.Worker = world.StartWorker();
            return world;
        }

        /// <summary>Starts another member of the workers' group (with its own in-process signals).</summary>
        public CallWorker StartWorker()
        {
            var worker = new CallWorker(Bus, Settings, Caller, Ledger, Worker is null ? Completions : new CallCompletions(), null, NullLogger.Instance);
            Harness.Run(worker.RunAsync);
            return worker;
        }

        public async ValueTask DisposeAsync()
        {
            await Dispatcher.DisposeAsync();
            await Harness.DisposeAsync();
            await Jobs.DisposeAsync();
        }
    }
}
