using System.Text.Json;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeaturePlatform.Runtime.Tests.Replay;

/// <summary>
/// Replays use the parameter values in force at each trigger event's time (SEMANTICS §4), or a run's explicit
/// overrides; runs record the versions and values they used; output rows carry the version (content hash).
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class ParameterHistoryReplayTests(PythonHostFixture python)
{
    private static readonly long Dec20 = Ms(2023, 12, 20);
    private static readonly long Jan1 = Ms(2024, 1, 1);
    private static readonly long Feb1 = Ms(2024, 2, 1);
    private static readonly long Mar1 = Ms(2024, 3, 1);

    [Fact]
    public async Task A_backtest_of_January_uses_Januarys_values_and_a_what_if_run_uses_its_override()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        // Ten orders in January, ten in February (each of amount 1: the output is the factor in force).
        var orders = Enumerable.Range(0, 10).Select(i => StoredEvents.Order($"u{i}", Jan1 + (i * 86_400_000L), 1, $"jan-{i}"))
            .Concat(Enumerable.Range(0, 10).Select(i => StoredEvents.Order($"u{i}", Feb1 + (i * 86_400_000L) + 3_600_000, 1, $"feb-{i}"))).ToList();
        await StoredEvents.StoreAsync(harness, orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled));
        var job = jobs.Find("scaled")!;

        // factor = 2 approved on 20 December; factor = 5 approved on 1 February (the change "approved today" of the issue).
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Dec20));
        var store = new ParameterStore(harness.Hot, name => jobs.Find(name)?.Declaration, clock: clock, table: new(null, "params_" + UniqueName.For("t").Replace('-', '_')));
        await store.EnsureTableAsync();
        await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 2.0 }, "alice", "winter tuning");
        clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(Feb1));
        var february = await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 5.0, ["mode"] = "b" }, "bob", "february change");
        Assert.Equal(5.0, Convert.ToDouble((await store.GetAsync("scaled"))!.Values["factor"], System.Globalization.CultureInfo.InvariantCulture));

        var features = new FeatureStore(harness.Hot, new(null, "features_" + UniqueName.For("t").Replace('-', '_')));
        await features.EnsureTableAsync();
        await using var runs = new RunManager(jobs, harness.Events, harness.DataSource, harness.Errors, parameterStore: store);

        // January: every row with January's values, whatever is in force today.
        var january = new CollectingOutput();
        var eventCenter = new EventCenterOutput(harness.Events);
        var jan = await RunAsync(runs, new RunRequest { Job = "scaled", Input = new TimeRangeInput(Jan1, Feb1), Outputs = _ => [january, eventCenter, new Borrowed(features)] });
        Assert.Equal(RunState.Completed, jan.State);
        Assert.Equal(10, january.Results.Count);
        Assert.All(january.Results, r => Assert.Equal((2.0, "a"), ((double)Value(r, "scaled")!, (string)Value(r, "mode")!)));

        // The run records the version that ran and the values it used.
        Assert.Equal(new Dictionary<string, long> { [job.Version] = 10 }, jan.Versions);
        var used = Assert.Single(jan.Parameters!.Segments);
        Assert.Equal((2.0, "a", 1L, 10L), ((double)used.Values["factor"]!, (string)used.Values["mode"]!, (long)used.Values["rounds"]!, used.Events));
        Assert.Empty(jan.Parameters.Overrides);

        // Output rows carry the version: the feature store and the event-center output.
        Assert.Matches("^[0-9a-f]{16}$", job.Version);
        Assert.All(january.Results, r => Assert.Equal(job.Version, r.JobVersion));
        var record = await features.GetAsync("scaled", "u3");
        Assert.Equal((job.Version, 2.0), (record!.JobVersion, record.Values["scaled"].GetDouble()));
        var row = await EventCenterOutput.GetResultAsync(harness.Events, "scaled", "jan-3");
        Assert.Equal(job.Version, row!.Headers![EventCenterOutput.JobVersionHeader]);

        // Across the change: each event with the values in force at its own time; the record has both stretches.
        var both = new CollectingOutput();
        var across = await RunAsync(runs, new RunRequest { Job = "scaled", Input = new TimeRangeInput(Jan1, Mar1), Outputs = _ => [both] });
        Assert.All(both.Results, r => Assert.Equal(r.Trigger.EventTime < Feb1 ? 2.0 : 5.0, (double)Value(r, "scaled")!));
        Assert.Equal([(Dec20, (long?)Feb1, 10L), (Feb1, null, 10L)],
            across.Parameters!.Segments.Select(s => (s.From!.Value, s.To, s.Events)).ToList());
        Assert.Equal(february.Version, across.Parameters.Segments[1].Change);

        // What-if: the override replaces the factor over the whole run; the other values still follow the history.
        var whatIf = new CollectingOutput();
        var overridden = await RunAsync(runs, new RunRequest
        {
            Job = "scaled",
            Input = new TimeRangeInput(Jan1, Mar1),
            Outputs = _ => [whatIf],
            Parameters = new Dictionary<string, object?> { ["factor"] = JsonSerializer.SerializeToElement(7) },
        });
        Assert.Equal(20, whatIf.Results.Count);
        Assert.All(whatIf.Results, r => Assert.Equal((7.0, r.Trigger.EventTime < Feb1 ? "a" : "b"), ((double)Value(r, "scaled")!, (string)Value(r, "mode")!)));
        Assert.Equal(7.0, overridden.Parameters!.Overrides["factor"]);
        Assert.All(overridden.Parameters.Segments, s => Assert.Equal(7.0, s.Values["factor"]));

        // A bad override is refused before the run starts, naming the parameter.
        var bad = await Assert.ThrowsAsync<ParameterValidationException>(() => runs.StartAsync(new RunRequest
        {
            Job = "scaled",
            Input = new TimeRangeInput(Jan1, Mar1),
            Parameters = new Dictionary<string, object?> { ["factor"] = 11.0 },
        }));
        Assert.Contains("'factor' = 11 is above its maximum 10", bad.Message);
    }

    [Fact]
    public async Task A_change_approved_for_later_is_in_force_only_from_its_effective_time()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("scaled", TestJobs.Scaled));
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Jan1));
        var store = new ParameterStore(harness.Hot, name => jobs.Find(name)?.Declaration, clock: clock, table: new(null, "params_" + UniqueName.For("t").Replace('-', '_')));
        await store.EnsureTableAsync();

        var later = await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 3.0 }, "alice", "from February", effectiveAt: Feb1);
        Assert.Equal((Jan1, Feb1), (later.Version, later.EffectiveAt));
        Assert.Null(await store.GetAsync("scaled"));
        Assert.Equal(Feb1, Assert.Single(await store.ListAsync()).NextChangeAt);
        clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(Feb1));
        Assert.Equal(3.0, Convert.ToDouble((await store.GetAsync("scaled"))!.Values["factor"], System.Globalization.CultureInfo.InvariantCulture));
        await Assert.ThrowsAsync<ParameterValidationException>(async () =>
            await store.SetAsync("scaled", new Dictionary<string, object?> { ["factor"] = 4.0 }, "bob", "back-dated", effectiveAt: Jan1));
    }

    private static async Task<RunStatus> RunAsync(RunManager runs, RunRequest request)
    {
        var id = await runs.StartAsync(request);
        return (await runs.WaitAsync(id))!;
    }

    private static object? Value(FeaturePlatform.Runtime.Execution.FeatureResult r, string column) => r.Values.First(v => v.Key == column).Value;

    private static long Ms(int year, int month, int day) => new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>A shared store as a run output (the run disposes its outputs; the store stays open).</summary>
    private sealed class Borrowed(IJobOutput inner) : IJobOutput
    {
        public string Name => inner.Name;

        public ValueTask WriteAsync(IReadOnlyList<FeaturePlatform.Runtime.Execution.FeatureResult> results, CancellationToken cancellationToken) => inner.WriteAsync(results, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
