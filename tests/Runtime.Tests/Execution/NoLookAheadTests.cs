using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>A replay never sees data stored with an event time after the event it runs on.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class NoLookAheadTests(PythonHostFixture python)
{
    private const long T1 = 1_700_000_000_000;
    private const long T2 = T1 + 60_000;
    private const long T3 = T2 + 60_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a replay run's data source, with its settled-state cache
    public async Task A_replayed_order_sees_the_profile_as_of_its_time_not_the_later_version(bool runScoped)
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        // Stored in the event center before the replay: the later profile version is already there when the T2 order runs.
        await StoredEvents.StoreAsync(harness,
        [
            StoredEvents.Profile("u1", T1, "silver", "p1"),
            StoredEvents.Order("u1", T2, 40.5, "o1"),
            StoredEvents.Profile("u1", T3, "gold", "p2"),
            StoredEvents.Order("u1", T3 + 1, 10, "o2"),
        ]);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("order_profile", TestJobs.OrderProfile));
        var output = new CollectingOutput();
        var dataSource = runScoped ? harness.DataSource.ForRun() : harness.DataSource;
        var runner = new JobRunner(jobs.Find("order_profile")!, dataSource, [output], harness.Errors, NullLogger.Instance);

        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", T1, T3 + 10), CancellationToken.None);

        Assert.Equal(0, runner.Counters.Failures);
        var byEvent = output.Results.ToDictionary(r => r.Trigger.EventId);
        Assert.Equal("silver", Value(byEvent["o1"], "tier"));
        Assert.Equal(1L, Value(byEvent["o1"], "orders")); // the later order is not in the T2 order's history either
        Assert.Equal("gold", Value(byEvent["o2"], "tier"));
        Assert.Equal(2L, Value(byEvent["o2"], "orders"));
    }

    [Fact]
    public async Task Logic_asking_for_data_after_the_event_gets_an_error_record_and_the_other_events_succeed()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await StoredEvents.StoreAsync(harness,
        [
            StoredEvents.Profile("u1", T1, "silver", "p1"),
            StoredEvents.Order("u1", T2, 40, "small-1"),
            StoredEvents.Order("u1", T2 + 1, 400, "large"), // peeker asks for as_of = event time + 1 day for amounts > 100
            StoredEvents.Order("u1", T2 + 2, 50, "small-2"),
            StoredEvents.Profile("u1", T3, "gold", "p2"),
        ]);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("peeker", TestJobs.Peeker));
        var job = jobs.Find("peeker")!;
        var output = new CollectingOutput();
        var runner = new JobRunner(job, harness.DataSource, [output], harness.Errors, NullLogger.Instance);

        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", T1, T3 + 10), CancellationToken.None);

        Assert.Equal(["small-1", "small-2"], output.Results.Select(r => r.Trigger.EventId).Order(StringComparer.Ordinal));
        Assert.All(output.Results, r => Assert.Equal("silver", Value(r, "tier")));
        Assert.Equal(1, runner.Counters.Failures);
        var error = Assert.Single(await harness.Errors.RecentAsync("peeker", 10).ToListAsync());
        Assert.Equal("large", error.EventId);
        Assert.Equal("LookAheadError", error.ErrorType);
        Assert.Contains("after the event's time", error.Message, StringComparison.Ordinal);
        Assert.Contains("LookAheadError", error.Traceback, StringComparison.Ordinal);
        Assert.Equal(job.Version, error.JobVersion);
        Assert.Equal(1, harness.Errors.Counts["peeker"]);
    }

    private static object? Value(FeatureResult result, string column) => result.Values.First(v => v.Key == column).Value;
}
