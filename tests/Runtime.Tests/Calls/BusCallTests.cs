using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Calls;

/// <summary>
/// Calls through the bus: accepted by one "process" (a dispatcher with its own completions), computed by the call
/// worker of another or the same, answered by local signal or by polling the event center.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class BusCallTests(PythonHostFixture python, KafkaFixture kafka)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Calls_on_the_embedded_bus_are_answered_locally_and_across_processes()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("calls-bus")) });
        await RunScenarioAsync(bus, new CallSettings { GroupId = UniqueName.For("calls") });
    }

    [Fact]
    public async Task Calls_on_kafka_are_answered_locally_and_across_processes()
    {
        var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        await RunScenarioAsync(bus, new CallSettings { Topic = kafka.CreateTopic(4, "calls"), Partitions = 4, GroupId = UniqueName.For("calls") });
    }

    [Fact]
    public async Task A_call_the_bus_does_not_take_is_refused_as_unavailable_and_its_retry_goes_through_once_the_topic_exists()
    {
        var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled));
        var settings = new CallSettings { Topic = UniqueName.For("calls-missing"), Partitions = 2, GroupId = UniqueName.For("calls") };
        var caller = Caller(harness, jobs, new CollectingOutput());
        var outcomes = Ledger(harness);
        var completions = new CallCompletions();
        await using var dispatcher = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, outcomes, completions, repliesConfigured: false);
        var request = new CallRequest("scaled", null, "u1", """{"amount":1.5}""", 1_000, "req-later");

        await Assert.ThrowsAsync<CallsUnavailableException>(() => dispatcher.CallAsync(request, null, Wait));

        kafka.Cluster.CreateTopic(settings.Topic, 2);
        harness.Run(new CallWorker(bus, settings, caller, outcomes, completions, null, NullLogger.Instance).RunAsync);
        var answer = await dispatcher.CallAsync(request, null, Wait);
        Assert.Equal((CallAnswer.Done, 1.5), (answer!.State, answer.Results[0].GetProperty("scaled").GetDouble()));
    }

    [Fact]
    public async Task Messages_on_the_calls_topic_that_are_not_calls_are_dead_lettered_and_the_calls_behind_them_answered()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("calls-bus")) });
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled));
        var settings = new CallSettings { Topic = UniqueName.For("calls"), Partitions = 1, GroupId = UniqueName.For("calls") };
        var caller = Caller(harness, jobs, new CollectingOutput());
        var outcomes = Ledger(harness);
        var completions = new CallCompletions();
        await using var dispatcher = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, outcomes, completions, repliesConfigured: false);
        await dispatcher.EnsureTopicAsync();
        byte[][] junk = ["not json"u8.ToArray(), "{}"u8.ToArray(), "{\"job\":\"scaled\"}"u8.ToArray(), [0xff, 0xfe, 0x00]];
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(settings.Topic, [.. junk.Select(j => new OutgoingMessage(null, j))]);
        }
        harness.Run(new CallWorker(bus, settings, caller, outcomes, completions, null, NullLogger.Instance, harness.DeadLetters).RunAsync);

        var answer = await dispatcher.CallAsync(new CallRequest("scaled", null, "u1", """{"amount":2.0}""", 1_000, "req-after-junk"), null, Wait);

        Assert.Equal(CallAnswer.Done, answer!.State);
        var letters = await harness.DeadLetters.RecentAsync(null, 10).ToListAsync();
        Assert.Equal(junk.Length, letters.Count);
        Assert.All(letters, l => Assert.StartsWith("not a call message", l.Reason, StringComparison.Ordinal));
        Assert.Equal(junk.Select(Convert.ToHexString).Order(), letters.Select(l => Convert.ToHexString(l.Value)).Order());
    }

    [Fact]
    public async Task A_call_redelivered_after_a_crash_before_the_commit_creates_no_duplicate_results()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("calls-bus")) });
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled));
        var settings = new CallSettings { GroupId = UniqueName.For("calls"), Partitions = 2 };
        var collect = new CollectingOutput();
        var caller = Caller(harness, jobs, collect);
        var outcomes = Ledger(harness);
        var completions = new CallCompletions();
        await using var dispatcher = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, outcomes, completions, repliesConfigured: false);
        await dispatcher.EnsureTopicAsync();

        var crashing = new CallWorker(bus, settings, caller, outcomes, completions, null, NullLogger.Instance)
        {
            BeforeCommit = () => throw new IOException("crash before commit"),
        };
        var crashed = crashing.RunAsync(CancellationToken.None);
        var answer = await dispatcher.CallAsync(new CallRequest("scaled", null, "u1", """{"amount":3}""", 1_000, "req-crash"), null, Wait);
        Assert.Equal(CallAnswer.Done, answer!.State);
        await Assert.ThrowsAsync<IOException>(() => crashed);

        // The next member of the group gets the uncommitted call again and answers it from the stored answer.
        var next = new CallWorker(bus, settings, caller, outcomes, new CallCompletions(), null, NullLogger.Instance);
        harness.Run(next.RunAsync);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(next.AnsweredFromStore == 1), "the redelivered call is answered");
        Assert.Equal((1, 0), (crashing.Runs, next.Runs));
        Assert.Single(collect.Results);
        Assert.NotNull(await EventCenterOutput.GetResultAsync(harness.Events, "scaled", "req-crash", 0));
        Assert.Null(await EventCenterOutput.GetResultAsync(harness.Events, "scaled", "req-crash", 1));
        Assert.Equal("req-crash", (await harness.Features.GetAsync("scaled", "u1"))!.EventId);
        Assert.Equal(answer.ToJson(), (await outcomes.GetAsync("scaled", "req-crash"))!.ToJson());
    }

    private async Task RunScenarioAsync(IMessageBus bus, CallSettings settings)
    {
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled), ("poison", RunTestJobs.Poison));
        var collect = new CollectingOutput();
        var caller = Caller(harness, jobs, collect);
        var outcomes = Ledger(harness);
        // Process A runs the worker; process B only accepts calls (its completions never fire: it must poll).
        var completionsA = new CallCompletions();
        await using var a = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, outcomes, completionsA, repliesConfigured: false);
        await using var b = new CallDispatcher(bus, settings, () => caller, jobs.Find, harness.Events, outcomes, new CallCompletions(), repliesConfigured: false);
        await a.EnsureTopicAsync();
        var worker = new CallWorker(bus, settings, caller, outcomes, completionsA, null, NullLogger.Instance);
        harness.Run(worker.RunAsync);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000;

        var local = await a.CallAsync(new CallRequest("scaled", null, "u1", """{"amount":2.5}""", t0, "req-a"), null, Wait);
        Assert.Equal((CallAnswer.Done, 2.5), (local!.State, local.Results[0].GetProperty("scaled").GetDouble()));
        Assert.Equal(jobs.Find("scaled")!.Version, local.JobVersion);

        var remote = await b.CallAsync(new CallRequest("scaled", null, "u2", """{"amount":4}""", t0 + 1, "req-b"), null, Wait);
        Assert.Equal((CallAnswer.Done, 4.0), (remote!.State, remote.Results[0].GetProperty("scaled").GetDouble()));
        Assert.NotNull(await EventCenterOutput.GetResultAsync(harness.Events, "scaled", "req-b"));

        // Any process can poll any call.
        var (polled, known) = await b.PollAsync("scaled", "req-a");
        Assert.True(known);
        Assert.Equal(local.ToJson(), polled!.ToJson());
        Assert.Equal((null, false), await b.PollAsync("scaled", "req-unknown"));

        // A call that is not waited for is answered later; polling reaches it.
        Assert.Null(await b.CallAsync(new CallRequest("scaled", null, "u3", """{"amount":1}""", t0 + 2, "req-c"), null, TimeSpan.Zero));
        await RuntimeHarness.WaitUntilAsync(async () => (await a.PollAsync("scaled", "req-c")).Answer is not null, "req-c is answered", Wait);

        // The logic raising gives state failed with the error, by signal and by poll.
        var failed = await a.CallAsync(new CallRequest("poison", null, "u4", """{"poison":true}""", t0 + 3, "req-f"), null, Wait);
        Assert.Equal((CallAnswer.Failed, "ValueError: poisoned order req-f"), (failed!.State, failed.Error));
        Assert.Contains("raise ValueError(f\"poisoned order {event.id}\")", failed.Traceback, StringComparison.Ordinal);
        Assert.Equal(failed.ToJson(), (await b.PollAsync("poison", "req-f")).Answer!.ToJson());

        // Refusals happen before anything is produced.
        await Assert.ThrowsAsync<KeyNotFoundException>(() => a.CallAsync(new CallRequest("nope", null, "u1", null, null, "r1"), null, Wait));
        await Assert.ThrowsAsync<CallRequestException>(() => a.CallAsync(new CallRequest("scaled", null, "u1", "[1]", null, "r2"), null, Wait));
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.CallAsync(new CallRequest("scaled", null, "u9", """{"amount":2.5}""", t0, "req-a"), null, Wait));
        await Assert.ThrowsAsync<ArgumentException>(() => a.CallAsync(new CallRequest("scaled", null, "u1", null, null, "r3"), new CallReplyTarget("x", "k"), Wait));
        Assert.Equal(4, worker.Runs);
        Assert.Equal(3, collect.Results.Count);
    }

    internal static CallLedger Ledger(RuntimeHarness harness) => new(harness.Hot, TimeSpan.FromMinutes(5));

    private static JobCaller Caller(RuntimeHarness harness, JobRegistry jobs, CollectingOutput collect)
    {
        var eventCenter = new EventCenterOutput(harness.Events);
        return new JobCaller(jobs, harness.Events, harness.DataSource, harness.Errors, _ => [collect, eventCenter, harness.Features]);
    }
}
