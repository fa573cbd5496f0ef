using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>Call mode: a request computes the same result as the same event live, and as its replay.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class JobCallerTests(PythonHostFixture python)
{
    [Fact]
    public async Task A_call_gives_the_same_result_as_the_same_event_live_and_as_its_replay()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("call-bus")) });
        await bus.CreateTopicAsync("orders", 2);
        await bus.CreateTopicAsync("profiles", 2);
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("order_profile", TestJobs.OrderProfile));
        var job = jobs.Find("order_profile")!;
        harness.StartIngest();
        var live = new CollectingOutput();
        var liveRunner = new JobRunner(job, harness.DataSource, [live], harness.Errors, NullLogger.Instance);
        var trigger = new LiveTrigger(bus, RuntimeHarness.Orders, UniqueName.For("job"), ConsistencyLevel.TriggerStrong, harness.Waiter, harness.Events,
            new LiveTriggerOptions { MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        harness.Run(ct => liveRunner.RunAsync(trigger, ct));

        // Two users with the same past; the live one's last order comes through the bus, the other's through a call.
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        await using (var producer = bus.CreateProducer())
        {
            foreach (var user in new[] { "live-user", "call-user" })
            {
                await producer.ProduceAsync("profiles", [Message(user, $$"""{"pid":"p-{{user}}","user_id":"{{user}}","t":{{t0}},"tier":"gold"}""")]);
                await producer.ProduceAsync("orders", [Message(user, OrderJson(user, "first", t0 + 1, "10.5"))]);
            }
            await producer.ProduceAsync("orders", [Message("live-user", OrderJson("live-user", "second", t0 + 2, "20.25"))]);
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(liveRunner.Counters.Events >= 3), "three orders ran live");
        var liveResult = Assert.Single(live.Results, r => r.Trigger.EventId == "second-live-user");

        var features = harness.Features;
        var caller = new JobCaller(jobs, harness.Events, harness.DataSource, harness.Errors, _ => [features]);
        var request = new CallRequest("order_profile", null, "call-user", OrderJson("call-user", "second", t0 + 2, "20.25"), t0 + 2, "req-1");
        var call = await caller.CallAsync(request);

        Assert.Null(call.Error);
        var callResult = Assert.Single(call.Results);
        Assert.Equal("req-1", callResult.Trigger.EventId);
        Assert.Equal("calls.order_profile", callResult.Trigger.Source);
        Assert.Equal(t0 + 2, callResult.EventTime);
        Assert.Equal("call-user", callResult.Values.First(v => v.Key == "user_id").Value);
        // A call is not an order: the user's orders are the one real order, as a live run at that time would count.
        Assert.Equal(1L, callResult.Values.First(v => v.Key == "orders").Value);
        Assert.Equal(10.5, callResult.Values.First(v => v.Key == "amount").Value);
        Assert.Equal("gold", callResult.Values.First(v => v.Key == "tier").Value);
        Assert.Equal("req-1", (await harness.Features.GetAsync("order_profile", "call-user"))!.EventId);
        Assert.Null(await harness.Events.GetByIdAsync("orders", "req-1"));

        // The call's event is stored in the job's request source: a replay of it computes the call again, identically;
        // the replay of the orders knows nothing of it.
        var replayCalls = new CollectingOutput();
        await new JobRunner(job, harness.DataSource, [replayCalls], harness.Errors, NullLogger.Instance)
            .RunAsync(new ReplayTrigger(harness.Events, "calls.order_profile", t0, t0 + 3), CancellationToken.None);
        Assert.Equal(Canonical(callResult), Canonical(Assert.Single(replayCalls.Results)));
        var replay = new CollectingOutput();
        await new JobRunner(job, harness.DataSource, [replay], harness.Errors, NullLogger.Instance)
            .RunAsync(new ReplayTrigger(harness.Events, "orders", t0, t0 + 3), CancellationToken.None);
        Assert.DoesNotContain(replay.Results, r => r.Trigger.EventId == "req-1");
        Assert.Equal(Canonical(liveResult), Canonical(Assert.Single(replay.Results, r => r.Trigger.EventId == "second-live-user")));

        // A retried request is the same event: stored once, same result.
        var retry = await caller.CallAsync(request);
        Assert.Equal(Canonical(callResult), Canonical(Assert.Single(retry.Results)));
        // A request id reused for different content is refused.
        await Assert.ThrowsAsync<InvalidOperationException>(() => caller.CallAsync(request with { DataJson = OrderJson("call-user", "other", t0 + 2, "1") }));
        Assert.Equal(0, liveRunner.Counters.Failures);
    }

    [Fact]
    public async Task A_failing_call_returns_its_error_record_and_bad_requests_are_refused()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var caller = new JobCaller(jobs, harness.Events, harness.DataSource, harness.Errors);

        var call = await caller.CallAsync(new CallRequest("poison", null, "u1", """{"amount":3,"poison":true}""", null, "req-poison"));

        Assert.Empty(call.Results);
        Assert.Equal("ValueError", call.Error!.ErrorType);
        Assert.Equal("poisoned order req-poison", call.Error.Message);
        Assert.Equal(1, harness.Errors.Counts["poison"]);
        Assert.NotNull(await harness.Events.GetByIdAsync("calls.poison", "req-poison"));
        Assert.Null(await harness.Events.GetByIdAsync("orders", "req-poison"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => caller.CallAsync(new CallRequest("nope", null, "u1", null, null, "r2")));
        Assert.Equal("source", (await Assert.ThrowsAsync<CallRequestException>(() => caller.CallAsync(new CallRequest("poison", "orders", "u1", null, null, "r3")))).Field);
        Assert.Equal("data", (await Assert.ThrowsAsync<CallRequestException>(() => caller.CallAsync(new CallRequest("poison", null, "u1", "[1]", null, "r4")))).Field);
        // Malformed data, an object cut short and an object followed by more: each a 400 on data, nothing stored.
        foreach (var (data, id) in new[] { ("""{"amount":""", "r5"), ("""{"amount":3""", "r6"), ("""{"amount":3} {}""", "r7"), ("""{"amount":3}x""", "r8") })
        {
            var refused = await Assert.ThrowsAsync<CallRequestException>(() => caller.CallAsync(new CallRequest("poison", null, "u1", data, null, id)));
            Assert.Equal("data", refused.Field);
            Assert.Contains("not valid JSON", refused.Message, StringComparison.Ordinal);
            Assert.Null(await harness.Events.GetByIdAsync("calls.poison", id));
        }
        var nested = await caller.CallAsync(new CallRequest("poison", null, "u2", """ {"amount":3,"poison":false,"tags":[1,{"a":null}]} """, null, "r9"));
        Assert.Equal("""{"amount":3,"poison":false,"tags":[1,{"a":null}]}""", System.Text.Json.JsonDocument.Parse((await harness.Events.GetByIdAsync("calls.poison", "r9"))!.After!).RootElement.GetRawText());
        Assert.Null(nested.Error);
    }

    private static string OrderJson(string user, string id, long time, string amount) =>
        $$"""{"oid":"{{id}}-{{user}}","user_id":"{{user}}","t":{{time}},"amount":{{amount}}}""";

    private static OutgoingMessage Message(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));

    private static List<KeyValuePair<string, object?>> Without(FeatureResult result, string column) => result.Values.Where(v => v.Key != column).ToList();

    private static string Canonical(FeatureResult result) => result.ResultId + ": " + string.Join(';', result.Values.Select(v => $"{v.Key}={v.Value}"));
}
