using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>The run loop computes the next batch while the previous one is written; order and acknowledgement rules hold.</summary>
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
