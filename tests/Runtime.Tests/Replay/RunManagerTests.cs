using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Runtime.Triggers.Samples;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Runtime.Tests.Triggers;
namespace FeaturePlatform.Runtime.Tests.Replay;

/// <summary>Runs: progress while running, correct final counts, cancel, sample runs with labels and bad rows, summaries.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class RunManagerTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task A_replay_run_shows_progress_while_running_and_completes_with_correct_counts_and_a_summary_file()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await StoredEvents.StoreAsync(harness, Orders(300));
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("slow", RunTestJobs.Slow));
        await using var runs = Manager(harness, jobs);
        var output = new GuardedOutput();
        var directory = ResultDirectory();

        var id = await runs.StartAsync(new RunRequest
        {
            Job = "slow",
            Input = new TimeRangeInput(T0, T0 + 10_000) { Options = new ReplayOptions { BatchSize = 10, Parallelism = 2 } },
            ResultDirectory = directory,
            Outputs = _ => [output],
        });

        var seen = new List<RunStatus>();
        await RuntimeHarness.WaitUntilAsync(() =>
        {
            var status = runs.Get(id)!;
            seen.Add(status);
            return Task.FromResult(status.IsFinished);
        }, "the run finished");
        var final = runs.Get(id)!;

        Assert.Contains(seen, s => s.State == RunState.Running && s.Progress is { EventsDone: > 0 and < 300, EstimatedTotal: 300, EventsPerSecond: > 0, Eta: not null });
        Assert.True(seen.Select(s => s.Progress.EventsDone).Distinct().Count() >= 3, "progress moved in steps");
        Assert.Equal(RunState.Completed, final.State);
        Assert.Equal(new RunProgress(300, 300, 300, 0, 0, final.Progress.EventsPerSecond, TimeSpan.Zero), final.Progress);
        Assert.Equal(300, output.Results.Select(r => r.ResultId).Distinct().Count());
        Assert.True(output.Disposed);
        Assert.NotNull(final.StartedAt);
        Assert.True(final.EndedAt >= final.StartedAt);
        Assert.Equal(Path.GetFullPath(directory), final.ResultDirectory);
        Assert.Contains(runs.List(), s => s.Id == id);

        var summary = await RunSummaryFile.ReadAsync(directory);
        Assert.Equal(id, summary!.Id);
        Assert.Equal(RunState.Completed, summary.State);
        Assert.Equal(300, summary.Progress.EventsDone);
        Assert.Equal("slow", summary.Job);
    }

    [Fact]
    public async Task Cancelling_a_long_replay_stops_it_and_nothing_is_written_after()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await StoredEvents.StoreAsync(harness, Orders(5000));
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("slow", RunTestJobs.Slow));
        var root = ResultDirectory();
        await using var runs = new RunManager(jobs, harness.Events, harness.DataSource, harness.Errors,
            new RunManagerOptions { ResultRoot = root, SummaryInterval = TimeSpan.FromMilliseconds(50) });
        var output = new GuardedOutput();
        var id = await runs.StartAsync(new RunRequest
        {
            Job = "slow",
            Input = new TimeRangeInput(T0, T0 + 100_000) { Options = new ReplayOptions { BatchSize = 10, Parallelism = 2 } },
            Outputs = _ => [output],
        });
        var directory = Path.Combine(root, id);
        Assert.Equal(Path.GetFullPath(directory), runs.Get(id)!.ResultDirectory);
        // The summary file follows the progress while the run goes on.
        await RuntimeHarness.WaitUntilAsync(async () => File.Exists(Path.Combine(directory, RunSummaryFile.FileName)) && await RunSummaryFile.ReadAsync(directory) is { State: RunState.Running, Progress.EventsDone: >= 30 },
            "the run is under way and its summary file shows it");

        var cancelled = await runs.CancelAsync(id).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RunState.Cancelled, cancelled!.State);
        Assert.InRange(cancelled.Progress.EventsDone, 30, 4999);
        Assert.True(output.Disposed);
        Assert.Equal(cancelled.Progress.Results, output.Results.Count);
        Assert.Equal(0, output.WritesAfterDispose);
        Assert.Equal(RunState.Cancelled, (await RunSummaryFile.ReadAsync(directory))!.State);
        var later = runs.Get(id)!;
        Assert.Equal((RunState.Cancelled, cancelled.EndedAt, cancelled.Progress.EventsDone), (later.State, later.EndedAt, later.Progress.EventsDone));
    }

    [Fact]
    public async Task Disposing_the_manager_cancels_and_awaits_its_running_runs()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await StoredEvents.StoreAsync(harness, Orders(3000));
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("slow", RunTestJobs.Slow));
        var runs = Manager(harness, jobs);
        var outputs = new[] { new GuardedOutput(), new GuardedOutput() };
        var ids = new List<string>();
        foreach (var output in outputs)
        {
            ids.Add(await runs.StartAsync(new RunRequest
            {
                Job = "slow",
                Input = new TimeRangeInput(T0, T0 + 100_000) { Options = new ReplayOptions { BatchSize = 10 } },
                Outputs = _ => [output],
            }));
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(ids.All(id => runs.Get(id)!.Progress.EventsDone > 0)), "both runs are under way");

        await runs.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(ids, id => Assert.Equal(RunState.Cancelled, runs.Get(id)!.State));
        Assert.All(outputs, o => Assert.True(o.Disposed));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runs.StartAsync(new RunRequest { Job = "slow", Input = new TimeRangeInput(0, 1) }));
    }

    [Fact]
    public async Task A_sample_run_computes_each_row_as_of_its_time_keeps_labels_and_reports_bad_rows()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await StoredEvents.StoreAsync(harness,
        [
            StoredEvents.Profile("u1", T0, "silver", "p1"),
            StoredEvents.Order("u1", T0 + 10, 10, "o1"),
            StoredEvents.Order("u1", T0 + 20, 20, "o2"),
            StoredEvents.Profile("u1", T0 + 30, "gold", "p2"),
            StoredEvents.Profile("u2", T0, "bronze", "p3"),
            StoredEvents.Order("u2", T0 + 5, 7.5, "o3"),
        ], watermark: T0 + 1000); // the sources are complete up to past the last sample row

        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("order_profile", TestJobs.OrderProfile));
        await using var runs = Manager(harness, jobs);
        var output = new GuardedOutput();
        var sample = SampleTableTriggerTests.Write("sample.csv", $"""
            user_id,as_of,defaulted
            u1,{T0 + 15},0
            u1,{T0 + 40},1
            u1,not-a-time,0
            u2,{T0 + 6}
            u2,{T0 + 6},1
            """);

        var id = await runs.StartAsync(new RunRequest
        {
            Job = "order_profile",
            Input = new SampleTableInput(sample) { Options = new SampleTableOptions { KeyColumn = "user_id", TimeColumn = "as_of", LabelColumn = "defaulted" } },
            Outputs = _ => [output],
        });
        var final = (await runs.WaitAsync(id))!;

        Assert.Equal(RunState.Completed, final.State);
        Assert.Equal(new RunProgress(3, 3, 3, 0, 2, final.Progress.EventsPerSecond, TimeSpan.Zero), final.Progress);
        Assert.Equal([4L, 5], final.BadRowSamples.Select(r => r.Line));
        Assert.Contains("not-a-time", final.BadRowSamples[0].Reason, StringComparison.Ordinal);
        Assert.Contains("2 fields", final.BadRowSamples[1].Reason, StringComparison.Ordinal);
        var rows = output.Results.OrderBy(r => r.Trigger.EventId, StringComparer.Ordinal)
            .Select(r => (r.Trigger.EventId, r.Trigger.Headers[SampleTableTrigger.LabelHeader], Tier: r.Values.First(v => v.Key == "tier").Value, Orders: r.Values.First(v => v.Key == "orders").Value))
            .ToList();
        Assert.Equal([("sample:2", "0", "silver", 1L), ("sample:3", "1", "gold", 2L), ("sample:6", "1", "bronze", 1L)], rows);
    }

    [Fact]
    public async Task A_sample_table_without_its_time_column_or_in_seconds_is_refused_before_it_runs_and_unknown_jobs_are_refused()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("slow", RunTestJobs.Slow));
        await using var runs = Manager(harness, jobs);
        // Refused before it runs (SampleTableCheck): a table without its time column, and one whose times are seconds.
        var sample = SampleTableTriggerTests.Write("sample.csv", "key,when\nu1,1\n");
        var header = await Assert.ThrowsAsync<ArgumentException>(() => runs.StartAsync(new RunRequest { Job = "slow", Input = new SampleTableInput(sample) }));
        Assert.Contains("time column 'time'", header.Message, StringComparison.Ordinal);
        var seconds = SampleTableTriggerTests.Write("seconds.csv", "key,time\nu1,1767225600\n");
        var inSeconds = await Assert.ThrowsAsync<ArgumentException>(() => runs.StartAsync(new RunRequest { Job = "slow", Input = new SampleTableInput(seconds) }));
        Assert.Contains("line 2, column 'time': 1767225600 read as milliseconds", inSeconds.Message, StringComparison.Ordinal);
        Assert.Empty(runs.List());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => runs.StartAsync(new RunRequest { Job = "nope", Input = new TimeRangeInput(0, 1) }));
        await Assert.ThrowsAsync<ArgumentException>(() => runs.StartAsync(new RunRequest { Job = "slow", Input = new TimeRangeInput(5, 5) }));
        await Assert.ThrowsAsync<FileNotFoundException>(() => runs.StartAsync(new RunRequest { Job = "slow", Input = new SampleTableInput(sample + ".missing") }));
    }

    private static RunManager Manager(RuntimeHarness harness, JobRegistry jobs) => new(jobs, harness.Events, harness.DataSource, harness.Errors);

    private static List<EventCenter.Events.ChangeEvent> Orders(int count) =>
        Enumerable.Range(0, count).Select(i => StoredEvents.Order($"u{i % 40}", T0 + i * 10, i, $"o{i}")).ToList();

    private static string ResultDirectory() => Path.Combine(Path.GetTempPath(), "runtime-tests", UniqueName.For("run"));

    /// <summary>Collects results and counts any write after it was disposed.</summary>
    private sealed class GuardedOutput : IJobOutput
    {
        private readonly CollectingOutput inner = new();
        private int disposed;
        private int writesAfterDispose;

        public string Name => "guarded";

        public bool Disposed => Volatile.Read(ref disposed) != 0;

        public int WritesAfterDispose => Volatile.Read(ref writesAfterDispose);

        public IReadOnlyList<FeatureResult> Results => inner.Results;

        public ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
        {
            if (Disposed)
            {
                Interlocked.Increment(ref writesAfterDispose);
            }
            return inner.WriteAsync(results, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            Volatile.Write(ref disposed, 1);
            return ValueTask.CompletedTask;
        }
    }
}
