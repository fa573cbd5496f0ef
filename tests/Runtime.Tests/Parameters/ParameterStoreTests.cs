using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Parameters;

/// <summary>Parameter values set in the store reach running jobs, in this process and in others, without a restart.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class ParameterStoreTests(PythonHostFixture python)
{
    [Fact]
    public async Task A_set_value_is_used_by_the_running_jobs_next_outputs()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("params-bus")) });
        await bus.CreateTopicAsync("orders", 2);
        var orders = RuntimeHarness.Orders with { Topics = ["orders"] };
        await using var harness = await RuntimeHarness.StartAsync(bus, orders);
        var job = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("scaled", TestJobs.Scaled), harness.DataSource), enabled: true);
        var signal = new ParameterSignal();
        var store = new ParameterStore(harness.Hot, name => name == job.Name ? job.Declaration : null, signal);
        await store.EnsureTableAsync();
        var sync = new ParameterSync(store, () => [job], NullLogger.Instance);
        harness.Run(ct => sync.RunAsync(signal, TimeSpan.FromSeconds(30), ct)); // a long poll: the local signal must do it
        harness.StartIngest();
        var output = new CollectingOutput();
        var runner = new JobRunner(job, harness.DataSource, [output], harness.Errors, NullLogger.Instance);
        var trigger = new LiveTrigger(bus, orders, UniqueName.For("job"), ConsistencyLevel.Eventual, harness.Waiter, harness.Events,
            new LiveTriggerOptions { MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        harness.Run(ct => runner.RunAsync(trigger, ct));
        await using var producer = bus.CreateProducer();

        await producer.ProduceAsync("orders", [Order("o1", 10)]);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(output.Results.Count == 1), "the first order ran");
        Assert.Equal(10.0, Value(output.Results[0], "scaled"));

        var snapshot = await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 2.5, ["mode"] = "b" }, "alice", "ticket 42");
        Assert.Equal("alice", snapshot.ChangedBy);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(Equals(job.Loaded.Parameters["factor"], 2.5)), "the change is applied", TimeSpan.FromSeconds(10));
        await producer.ProduceAsync("orders", [Order("o2", 10)]);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(output.Results.Count == 2), "the second order ran");
        Assert.Equal(25.0, Value(output.Results[1], "scaled"));
        Assert.Equal("b", Value(output.Results[1], "mode"));
        Assert.Equal(1L, Value(output.Results[1], "rounds"));

        var stored = await store.GetAsync("scaled");
        Assert.NotNull(stored);
        Assert.Equal(2.5, stored.Values["factor"]);
        Assert.Equal("ticket 42", stored.Reason);
        Assert.Equal(snapshot.Version, stored.Version);
    }

    [Fact]
    public async Task Invalid_values_are_rejected_with_clear_errors_and_nothing_is_stored()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var job = await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("scaled", TestJobs.Scaled), harness.DataSource);
        var store = new ParameterStore(harness.Hot, name => name == "scaled" ? job.Declaration : null);
        await store.EnsureTableAsync();

        async Task<string> Rejected(string name, object? value)
        {
            var e = await Assert.ThrowsAsync<ParameterValidationException>(async () =>
                await store.SetAsync("scaled", new Dictionary<string, object?> { [name] = value }, "bob", "test"));
            return e.Message;
        }

        Assert.Contains("'factor' = 11 is above its maximum 10", await Rejected("factor", 11.0));
        Assert.Contains("'factor' = -1 is below its minimum 0", await Rejected("factor", -1));
        Assert.Contains("'factor' must be a number, not \"x\"", await Rejected("factor", "x"));
        Assert.Contains("'rounds' must be an integer, not 1.5", await Rejected("rounds", 1.5));
        Assert.Contains("'mode' = \"c\" is not one of \"a\", \"b\"", await Rejected("mode", "c"));
        Assert.Contains("'speed' is not a parameter of the job", await Rejected("speed", 1));
        var unknown = await Assert.ThrowsAsync<ParameterValidationException>(async () =>
            await store.SetAsync("nope", new Dictionary<string, object?> { ["factor"] = 1.0 }, "bob", "test"));
        Assert.Contains("no such job", unknown.Message);
        // One bad value rejects the whole change.
        await Assert.ThrowsAsync<ParameterValidationException>(async () =>
            await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 2.0, ["rounds"] = 9 }, "bob", "test"));
        Assert.Null(await store.GetAsync("scaled"));

        var ok = await store.SetAsync("scaled", new Dictionary<string, object?> { ["rounds"] = 3.0 }, "bob", "integral floats are integers");
        Assert.Equal(3L, ok.Values["rounds"]);
    }

    [Fact]
    public async Task A_second_process_over_the_same_table_picks_the_change_up_by_polling()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var path = PythonHostFixture.WriteJob("scaled", TestJobs.Scaled);
        // Two "processes": each its own loaded job, store instance and sync loop, sharing only the table.
        var jobA = new RegisteredJob(await python.Host.LoadJobAsync(path, harness.DataSource), enabled: true);
        var jobB = new RegisteredJob(await python.Host.LoadJobAsync(path, harness.DataSource), enabled: true);
        var storeA = new ParameterStore(harness.Hot, _ => jobA.Declaration, new ParameterSignal());
        var storeB = new ParameterStore(harness.Hot, _ => jobB.Declaration, new ParameterSignal());
        await storeA.EnsureTableAsync();
        var syncB = new ParameterSync(storeB, () => [jobB], NullLogger.Instance);
        harness.Run(ct => syncB.RunAsync(new ParameterSignal(), TimeSpan.FromMilliseconds(200), ct));

        await storeA.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 4.0 }, "carol", "from process A");
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(Equals(jobB.Loaded.Parameters["factor"], 4.0)), "process B applied the change", TimeSpan.FromSeconds(10));
        var rows = await jobB.Loaded.InvokeAsync(new PyBridge.FeatureEvent("orders", "u1", 1, """{"amount": 3}""", "o9"));
        Assert.Equal(12.0, rows[0].ToDictionary()["scaled"]);
        Assert.Equal(1.0, jobA.Loaded.Parameters["factor"]); // A applies only through its own sync
        await jobA.Loaded.DisposeAsync();
        await jobB.Loaded.DisposeAsync();
    }

    private static OutgoingMessage Order(string id, double amount) =>
        new(Encoding.UTF8.GetBytes("u1"), Encoding.UTF8.GetBytes($$"""{"oid":"{{id}}","user_id":"u1","t":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"amount":{{amount}}}"""));

    private static object? Value(FeatureResult result, string column) => result.Values.First(v => v.Key == column).Value;
}
