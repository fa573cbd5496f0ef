using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Calls;

/// <summary>
/// Calls run in the process that accepted them (<see cref="LocalCalls"/>, as the host does when it runs call workers),
/// through the real path — dispatcher → request event → claim → run loop → outputs and ledger: still exactly one run
/// per request id across processes, and a call not answered within its wait is on the calls topic before the 202 so a
/// worker of any process can finish it.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class LocalCallTests(PythonHostFixture python)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Key "slow…" fetches (held by the test's gate until released); others answer at once.</summary>
    private const string Fetching = """
        from featureplatform import Output, job

        @job("fetching", triggers="orders", outputs=[Output("key", str, "The request's key.")])
        def fetching(event, ctx):
            if event.key.startswith("slow"):
                ctx.fetch("profiles", event.key)
            return {"key": event.key}
        """;

    [Fact]
    public async Task Eight_concurrent_retries_accepted_by_two_processes_running_calls_locally_run_the_job_once()
    {
        using var gate = new ManualResetEventSlim(true);
        await using var world = await LocalWorld.StartAsync(python, gate);
        var (second, secondRunner) = world.AcceptingProcess();
        await using var _ = second;
        var request = new CallRequest("fetching", null, "k8", """{"n":8}""", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000, "req-retried-locally");

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
        Assert.Equal(1, world.Runner.Runs + secondRunner.Runs + world.Worker.Runs);
        Assert.Single(world.Output.Results);
    }

    [Fact]
    public async Task A_local_call_not_answered_within_its_wait_is_on_the_calls_topic_before_the_202_and_answered_once()
    {
        using var gate = new ManualResetEventSlim(false);
        await using var world = await LocalWorld.StartAsync(python, gate, startWorker: false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000;

        var quick = await world.Dispatcher.CallAsync(new CallRequest("fetching", null, "quick", null, now, "req-quick"), null, Wait);
        var slow = await world.Dispatcher.CallAsync(new CallRequest("fetching", null, "slow-1", null, now, "req-slow"), null, TimeSpan.FromMilliseconds(300));

        Assert.Equal(CallAnswer.Done, quick!.State);
        Assert.Null(slow); // the 202
        await using (var consumer = world.Bus.CreateConsumer(UniqueName.For("peek"), [world.Settings.Topic]))
        {
            // Only the call that outlived its wait went on the bus; the answered one never needed it.
            var keys = new List<string>();
            await RuntimeHarness.WaitUntilAsync(async () =>
            {
                keys.AddRange((await consumer.ConsumeAsync(16, TimeSpan.FromMilliseconds(200))).Select(m => Encoding.UTF8.GetString(m.Key!)));
                return keys.Count > 0;
            }, "the unanswered call is on the calls topic");
            Assert.Equal(["req-slow"], keys);
        }
        // A worker takes it from the bus while the local run still holds its claim: it waits for that run's answer.
        var worker = world.StartWorker();
        var (pending, known) = await world.Dispatcher.PollAsync("fetching", "req-slow");
        Assert.Null(pending);
        Assert.True(known);
        gate.Set();
        await RuntimeHarness.WaitUntilAsync(async () => (await world.Dispatcher.PollAsync("fetching", "req-slow")).Answer is not null, "the slow call is answered");
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(worker.AnsweredFromStore == 1), "the worker answers the call from the ledger");

        Assert.Equal(CallAnswer.Done, (await world.Dispatcher.PollAsync("fetching", "req-slow")).Answer!.State);
        Assert.Equal((2L, 0L), (world.Runner.Runs, worker.Runs));
        Assert.Equal(["quick", "slow-1"], world.Output.Results.Select(r => r.Trigger.EntityKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_call_run_where_it_was_accepted_is_claimed_in_the_transaction_of_its_request_event_and_a_retry_claims_as_before()
    {
        using var gate = new ManualResetEventSlim(true);
        await using var world = await LocalWorld.StartAsync(python, gate, startWorker: false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000;
        var request = new CallRequest("fetching", null, "k1", """{"n":1}""", now, "req-claimed-with-event");

        var answer = await world.Dispatcher.CallAsync(request, null, Wait);
        var retried = await world.Dispatcher.CallAsync(request, null, Wait);

        Assert.Equal(CallAnswer.Done, answer!.State);
        Assert.Equal(answer.ToJson(), retried!.ToJson()); // the retry is answered from the ledger
        // The claim holder is the accepting process's local owner: taken with the request event, not by the runner's own claim.
        var row = await world.Harness.Hot.GetAsync(world.Ledger.Table, new Get(Encoding.UTF8.GetBytes("fetching\u001freq-claimed-with-event")));
        var claim = Encoding.UTF8.GetString(row!.Cells.Single(c => Encoding.UTF8.GetString(c.Qualifier) == "claim").Value);
        Assert.EndsWith(" " + world.LocalOwner, claim, StringComparison.Ordinal);
        Assert.Equal(1, world.Runner.Runs);
        Assert.Single(world.Output.Results);
    }

    /// <summary>A data source whose fetches of keys "slow…" wait until the gate opens (like a consistency wait).</summary>
    private sealed class GatedSource(IFeatureDataSource inner, ManualResetEventSlim gate) : IFeatureDataSource
    {
        public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
        {
            if (key.StartsWith("slow", StringComparison.Ordinal))
            {
                gate.Wait(TimeSpan.FromSeconds(60));
            }
            return inner.Fetch(source, key, asOfMs, consistency);
        }

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
            inner.History(source, key, sinceMs, untilMs, limit, consistency);
    }

    /// <summary>One runtime process whose accepted calls run locally, on an embedded bus, plus helpers for more processes.</summary>
    private sealed class LocalWorld : IAsyncDisposable
    {
        private readonly CancellationTokenSource stopping = new();
        private readonly List<LocalCalls> locals = [];

        private LocalWorld(RuntimeHarness harness, JobRegistry jobs, EmbeddedMessageBus bus, CallSettings settings, JobCaller caller, CallLedger ledger, CollectingOutput output)
        {
            Harness = harness;
            Jobs = jobs;
            Bus = bus;
            Settings = settings;
            Caller = caller;
            Ledger = ledger;
            Output = output;
            (Dispatcher, Runner) = AcceptingProcess();
        }

        public RuntimeHarness Harness { get; }

        public JobRegistry Jobs { get; }

        public EmbeddedMessageBus Bus { get; }

        public CallSettings Settings { get; }

        public JobCaller Caller { get; }

        public CallLedger Ledger { get; }

        public CollectingOutput Output { get; }

        public CallDispatcher Dispatcher { get; }

        public CallRunner Runner { get; }

        public CallWorker Worker { get; private set; } = null!;

        /// <summary>Claim owner of the first accepting process's local runs.</summary>
        public string LocalOwner => locals[0].Owner;

        public static async Task<LocalWorld> StartAsync(PythonHostFixture python, ManualResetEventSlim gate, bool startWorker = true)
        {
            var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("local-calls-bus")) });
            await bus.CreateTopicAsync("orders", 2);
            await bus.CreateTopicAsync("profiles", 2);
            var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders, RuntimeHarness.Profiles);
            var source = new GatedSource(harness.DataSource, gate);
            var jobs = await StoredEvents.LoadJobsAsync(python, source, ("fetching", Fetching));
            var output = new CollectingOutput();
            var eventCenter = new EventCenterOutput(harness.Events);
            var caller = new JobCaller(jobs, harness.Events, source, harness.Errors, _ => [output, eventCenter]);
            var settings = new CallSettings { Topic = UniqueName.For("calls"), Partitions = 2, GroupId = UniqueName.For("calls") };
            var world = new LocalWorld(harness, jobs, bus, settings, caller, BusCallTests.Ledger(harness), output);
            await world.Dispatcher.EnsureTopicAsync();
            if (startWorker)
            {
                world.Worker = world.StartWorker();
            }
            return world;
        }

        /// <summary>Another accepting process: its own in-process signals and local runner, the same bus, ledger and outputs.</summary>
        public (CallDispatcher Dispatcher, CallRunner Runner) AcceptingProcess()
        {
            var completions = new CallCompletions();
            var runner = new CallRunner(Settings, Caller, Ledger, completions, null, NullLogger.Instance);
            var local = new LocalCalls(NullLogger<LocalCalls>.Instance);
            local.Attach(runner, stopping.Token);
            locals.Add(local);
            return (new CallDispatcher(Bus, Settings, () => Caller, Jobs.Find, Harness.Events, Ledger, completions, repliesConfigured: false, local), runner);
        }

        /// <summary>Starts a member of the workers' group (its own in-process signals: another process's worker).</summary>
        public CallWorker StartWorker()
        {
            var worker = new CallWorker(Bus, Settings, Caller, Ledger, new CallCompletions(), null, NullLogger.Instance);
            Harness.Run(worker.RunAsync);
            return worker;
        }

        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync();
            foreach (var local in locals)
            {
                await local.DetachAsync();
            }
            await Dispatcher.DisposeAsync();
            await Harness.DisposeAsync();
            await Jobs.DisposeAsync();
            stopping.Dispose();
        }
    }
}
