using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// The run loop hands the next batch to the logic while the logic still runs the one before, and computes a batch while the
/// previous one is written; order, acknowledgement and failure rules hold.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class RunLoopPipelineTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task Batches_are_written_and_acknowledged_in_order_each_after_its_own_results()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var log = new ConcurrentQueue<string>();
        var output = new RecordingOutput(log, failOnBatch: null);
        var runner = new JobRunner(jobs.Find("poison")!, harness.DataSource, [output], harness.Errors, NullLogger.Instance);

        await runner.RunAsync(new ScriptedTrigger(log, batches: 6), CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6).SelectMany(b => new[] { $"write {b}", $"ack {b}" }), log.Where(e => !e.StartsWith("read", StringComparison.Ordinal)));
        Assert.Equal(6, runner.Counters.Events);
    }

    [Fact]
    public async Task A_failed_write_stops_the_run_and_no_later_batch_is_acknowledged()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var log = new ConcurrentQueue<string>();
        var runner = new JobRunner(jobs.Find("poison")!, harness.DataSource, [new RecordingOutput(log, failOnBatch: 2)], harness.Errors, NullLogger.Instance);

        await Assert.ThrowsAsync<IOException>(() => runner.RunAsync(new ScriptedTrigger(log, batches: 6), CancellationToken.None));

        var acks = log.Where(e => e.StartsWith("ack", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ack 0", "ack 1"], acks);
    }

    [Fact]
    public async Task The_next_batch_goes_to_the_logic_while_the_logic_still_runs_the_batch_before()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var log = new ConcurrentQueue<string>();
        // Batch 2's run holds until batch 3 reaches the logic (at most 10 s: without the overlap batch 3 never comes meanwhile).
        var logic = new GatedLogic(log, hold: 2, failHeld: false);
        var runner = new JobRunner(jobs.Find("poison")!, harness.DataSource, [new RecordingOutput(log, failOnBatch: null)], harness.Errors, NullLogger.Instance,
            logic: logic);

        await runner.RunAsync(new ScriptedTrigger(log, batches: 6), CancellationToken.None);

        Assert.True(logic.Overlapped, string.Join(", ", log));
        var entries = log.ToList();
        Assert.True(entries.IndexOf("start 3") < entries.IndexOf("end 2"), string.Join(", ", entries));
        // Still written and acknowledged in order, each after its own results.
        Assert.Equal(Enumerable.Range(0, 6).SelectMany(b => new[] { $"write {b}", $"ack {b}" }), entries.Where(e => e.StartsWith("write", StringComparison.Ordinal) || e.StartsWith("ack", StringComparison.Ordinal)));
        Assert.Equal(6, runner.Counters.Events);
    }

    [Fact]
    public async Task A_failed_batch_stops_the_run_after_the_batch_behind_it_was_cancelled_and_waited_for()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var log = new ConcurrentQueue<string>();
        // Batch 2's run fails (a host error: no quarantine, so the run fails) once batch 3 is with the logic; batch 3's
        // run waits for cancellation, then for the test to release it.
        var logic = new GatedLogic(log, hold: 2, failHeld: true);
        var runner = new JobRunner(jobs.Find("poison")!, harness.DataSource, [new RecordingOutput(log, failOnBatch: null)], harness.Errors, NullLogger.Instance,
            logic: logic);

        var run = runner.RunAsync(new ScriptedTrigger(log, batches: 6), CancellationToken.None);
        await Poll.UntilAsync(() => Task.FromResult(log.Contains("cancel seen 3")), "batch 3's logic is cancelled");
        // The run does not end beside batch 3's logic (no run outlives the loop): it waits for it.
        await Assert.ThrowsAsync<TimeoutException>(() => run.WaitAsync(TimeSpan.FromSeconds(2)));
        logic.Release();
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));

        var entries = log.ToList();
        Assert.True(logic.Overlapped, string.Join(", ", entries));
        Assert.Equal(["ack 0", "ack 1"], entries.Where(e => e.StartsWith("ack", StringComparison.Ordinal)));
        Assert.DoesNotContain("write 3", entries);
        Assert.DoesNotContain("start 4", entries);
    }

    /// <summary>
    /// The job's logic in this process, logging each batch's start and end; batch <c>hold</c> waits until batch hold+1
    /// has started (or 10 s), then runs or fails. With <c>failHeld</c>, batch hold+1 waits for cancellation, then for
    /// <see cref="Release"/>.
    /// </summary>
    private sealed class GatedLogic(ConcurrentQueue<string> log, int hold, bool failHeld) : IJobLogic
    {
        private readonly TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => release.TrySetResult();

        public bool Overlapped { get; private set; }

        public async Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource,
            RunMode mode, IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
        {
            var batch = int.Parse(events[0].Id![1..], System.Globalization.CultureInfo.InvariantCulture);
            log.Enqueue($"start {batch}");
            if (batch == hold)
            {
                Overlapped = await next.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
                if (failHeld)
                {
                    throw new InvalidOperationException($"host error on batch {batch}");
                }
            }
            if (batch == hold + 1)
            {
                next.TrySetResult();
                if (failHeld)
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        log.Enqueue($"cancel seen {batch}");
                        await release.Task;
                        throw;
                    }
                }
            }
            var outcomes = await InProcessJobLogic.Instance.RunAsync(job, events, dataSource, mode, parameters, cancellationToken);
            log.Enqueue($"end {batch}");
            return outcomes;
        }
    }

    /// <summary>One order per batch; batch b's event is o{b}. Logs reads and acknowledgements.</summary>
    private sealed class ScriptedTrigger(ConcurrentQueue<string> log, int batches) : ITrigger
    {
        public string Description => "scripted";

        public long? EstimatedTotal => batches;

        public async IAsyncEnumerable<TriggerBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var b = 0; b < batches; b++)
            {
                await Task.Yield();
                log.Enqueue($"read {b}");
                var batch = b;
                yield return new TriggerBatch([StoredEvents.Order("u1", T0 + b, 10, $"o{b}")], _ =>
                {
                    log.Enqueue($"ack {batch}");
                    return ValueTask.CompletedTask;
                });
            }
        }
    }

    /// <summary>Logs each write by its batch (from the trigger event id); slow, so the next batch's logic overlaps it.</summary>
    private sealed class RecordingOutput(ConcurrentQueue<string> log, int? failOnBatch) : IJobOutput
    {
        public string Name => "recording";

        public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
        {
            var batch = int.Parse(results.Single().Trigger.EventId[1..], System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(20, cancellationToken);
            if (batch == failOnBatch)
            {
                throw new IOException($"output down at batch {batch}");
            }
            log.Enqueue($"write {batch}");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
