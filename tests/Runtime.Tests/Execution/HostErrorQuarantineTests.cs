using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Quarantine;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A host error caused by one event (the logic cannot be run at all while it is in the batch) costs only that event:
/// the run loop runs the batch's events alone, quarantines the one that keeps failing and writes every other result.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class HostErrorQuarantineTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task A_host_error_is_isolated_to_its_event_which_is_quarantined_after_its_attempts()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await StoredEvents.StoreAsync(harness, [.. Enumerable.Range(1, 8).Select(i => StoredEvents.Order($"u{i % 3}", T0 + i, i * 10, $"o{i}", poison: i == 3))]);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var job = jobs.Find("poison")!;
        var log = new QuarantineLog(harness.Hot);
        await log.EnsureTableAsync();
        var logic = new HostFailsOn("o5");
        var output = new CollectingOutput();
        var runner = new JobRunner(job, harness.DataSource, [output], harness.Errors, NullLogger.Instance, mode: RunMode.Replay,
            quarantine: new EventQuarantine(log, new QuarantineSettings { MaxAttempts = 3 }), logic: logic);

        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", T0, T0 + 100, new ReplayOptions { BatchSize = 100, Parallelism = 1 }), CancellationToken.None);

        Assert.Equal(["o1", "o2", "o4", "o6", "o7", "o8"], output.Results.Select(r => r.Trigger.EventId).Order(StringComparer.Ordinal));
        var page = await log.ListAsync("poison", null, 10);
        Assert.Equal(["o3", "o5"], page.Entries.Select(e => e.EventId).Order(StringComparer.Ordinal));
        var host = page.Entries.Single(e => e.EventId == "o5");
        Assert.Equal(("HostError", 3, "replay"), (host.ErrorType, host.Attempts, host.Mode));
        Assert.Contains("the interpreter stopped answering", host.Traceback, StringComparison.Ordinal);
        Assert.Equal(3, logic.AloneRunsOf("o5"));
        var raised = page.Entries.Single(e => e.EventId == "o3");
        Assert.Equal(("ValueError", 3), (raised.ErrorType, raised.Attempts));

        // Off, the same host error fails the run (the live runner would restart and get the batch again).
        var off = new JobRunner(job, harness.DataSource, [new CollectingOutput()], harness.Errors, NullLogger.Instance, mode: RunMode.Replay,
            quarantine: new EventQuarantine(log, new QuarantineSettings { Enabled = false }), logic: new HostFailsOn("o5"));
        await Assert.ThrowsAsync<PythonHostException>(() => off.RunAsync(new ReplayTrigger(harness.Events, "orders", T0, T0 + 100,
            new ReplayOptions { BatchSize = 100, Parallelism = 1 }), CancellationToken.None));
    }

    [Fact]
    public async Task A_crash_fails_the_runs_beside_it_but_counts_only_against_the_event_that_crashes_alone()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var job = jobs.Find("poison")!;
        using var worker = new CrashingWorker("bad");
        static FeatureEvent Event(string id) => new("orders", "u1", T0, "{}", id);

        // Two batches with the logic at once, as the run loop keeps them: the bad event's batch crashes the shared
        // worker, which fails the good event's batch too; then both retry alone.
        var bad = EventQuarantine.RunAsync(worker, job, [Event("bad")], harness.DataSource, RunMode.Live, null, 2, CancellationToken.None);
        var good = EventQuarantine.RunAsync(worker, job, [Event("good")], harness.DataSource, RunMode.Live, null, 2, CancellationToken.None);
        var (badOutcomes, badRuns) = await bad;
        var (goodOutcomes, goodRuns) = await good;

        Assert.True(goodOutcomes[0].Succeeded, $"the good event failed: {goodOutcomes[0].Error?.PythonMessage}");
        Assert.Equal(0, goodRuns[0]);
        Assert.False(badOutcomes[0].Succeeded);
        Assert.Equal(2, badRuns[0]);
    }

    /// <summary>The real logic, except that any run holding <paramref name="eventId"/> fails as a host error.</summary>
    private sealed class HostFailsOn(string eventId) : IJobLogic
    {
        private int alone;

        public int AloneRunsOf(string id) => id == eventId ? alone : 0;

        public Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, RunMode mode,
            IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
        {
            if (events.Any(e => e.Id == eventId))
            {
                if (events.Count == 1)
                {
                    Interlocked.Increment(ref alone);
                }
                throw new PythonHostException("the interpreter stopped answering");
            }
            return InProcessJobLogic.Instance.RunAsync(job, events, dataSource, mode, parameters, cancellationToken);
        }
    }

    /// <summary>
    /// A worker that takes the runs in flight together (as soon as two are, or a moment after one is): if one of them
    /// holds <paramref name="crashId"/> the worker dies and every run it holds fails as a host error; otherwise each
    /// event succeeds with no rows.
    /// </summary>
    private sealed class CrashingWorker(string crashId) : IJobLogic, IDisposable
    {
        private readonly Lock sync = new();
        private readonly List<(IReadOnlyList<FeatureEvent> Events, TaskCompletionSource<IReadOnlyList<EventOutcome>> Done)> held = [];
        private readonly List<ITimer> timers = [];

        public void Dispose()
        {
            lock (sync)
            {
                timers.ForEach(t => t.Dispose());
            }
        }

        public Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, RunMode mode,
            IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<IReadOnlyList<EventOutcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
            bool full;
            lock (sync)
            {
                held.Add((events, done));
                full = held.Count >= 2;
            }
            if (full)
            {
                Take(job);
            }
            else
            {
                // A lone run waits a moment for a second one: a run that is truly alone is then taken alone.
                var timer = TimeProvider.System.CreateTimer(_ => Take(job), null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
                lock (sync)
                {
                    timers.Add(timer);
                }
            }
            return done.Task;
        }

        private void Take(RegisteredJob job)
        {
            List<(IReadOnlyList<FeatureEvent> Events, TaskCompletionSource<IReadOnlyList<EventOutcome>> Done)> taken;
            lock (sync)
            {
                taken = [.. held];
                held.Clear();
            }
            var crash = taken.Any(r => r.Events.Any(e => e.Id == crashId));
            foreach (var (events, done) in taken)
            {
                if (crash)
                {
                    done.TrySetException(new PythonHostException("the job's worker process exited with code 3"));
                }
                else
                {
                    done.TrySetResult([.. events.Select(e => new EventOutcome(e, [], null, job.Version))]);
                }
            }
        }
    }
}
