using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>An exception for one event is an error record; the events after it still run and the stream moves on.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class PoisonEventTests(PythonHostFixture python)
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task Poison_events_become_error_records_and_later_events_of_the_batch_still_produce_results()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var orders = Enumerable.Range(1, 10).Select(i => StoredEvents.Order($"u{i % 3}", T0 + i, i * 10, $"o{i}", poison: i is 3 or 7 or 10)).ToList();
        await StoredEvents.StoreAsync(harness, orders);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var job = jobs.Find("poison")!;
        var output = new CollectingOutput();
        var runner = new JobRunner(job, harness.DataSource, [output], harness.Errors, NullLogger.Instance);

        // One batch holds all ten events: the failures in the middle must not take the rest of the batch with them.
        await runner.RunAsync(new ReplayTrigger(harness.Events, "orders", T0, T0 + 100, new ReplayOptions { BatchSize = 100, Parallelism = 1 }), CancellationToken.None);

        Assert.Equal(["o1", "o2", "o4", "o5", "o6", "o8", "o9"], output.Results.Select(r => r.Trigger.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(90.0, output.Results.Single(r => r.Trigger.EventId == "o9").Values[0].Value);
        Assert.Equal(3, runner.Counters.Failures);
        Assert.Equal(3, harness.Errors.Counts["poison"]);
        var records = await harness.Errors.RecentAsync("poison", 10).ToListAsync();
        Assert.Equal(["o10", "o3", "o7"], records.Select(r => r.EventId).Order(StringComparer.Ordinal));
        Assert.All(records, r =>
        {
            Assert.Equal("ValueError", r.ErrorType);
            Assert.Equal($"poisoned order {r.EventId}", r.Message);
            Assert.Contains("raise ValueError", r.Traceback, StringComparison.Ordinal);
            Assert.Equal(job.Version, r.JobVersion);
            Assert.Equal("orders", r.Source);
            Assert.Contains("\"poison\":true", r.EventData, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_live_trigger_commits_past_a_poison_event_so_it_is_not_delivered_again()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("poison-bus")) });
        await bus.CreateTopicAsync("orders", 1);
        await using var harness = await RuntimeHarness.StartAsync(bus, RuntimeHarness.Orders);
        harness.StartIngest(); // the live trigger runs what ingestion stored
        await using var jobs = await StoredEvents.LoadJobsAsync(python, harness.DataSource, ("poison", RunTestJobs.Poison));
        var job = jobs.Find("poison")!;
        var group = UniqueName.For("poison-group");
        var options = new LiveTriggerOptions { MaxBatchMessages = 3, MaxBatchWait = TimeSpan.FromMilliseconds(20) };

        await using (var producer = bus.CreateProducer())
        {
            // The last message is poison: nothing after it could carry the commit past it.
            await producer.ProduceAsync("orders", Enumerable.Range(1, 6).Select(i => Order($"o{i}", T0 + i, poison: i is 2 or 6)).ToList());
        }
        var first = new CollectingOutput();
        var firstRunner = new JobRunner(job, harness.DataSource, [first], harness.Errors, NullLogger.Instance);
        var firstTrigger = new AcknowledgeCountingTrigger(new LiveTrigger(bus, RuntimeHarness.Orders, group, ConsistencyLevel.Eventual, harness.Waiter, harness.Events, options));
        using (var stop = new CancellationTokenSource())
        {
            var running = firstRunner.RunAsync(firstTrigger, stop.Token);
            await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(firstTrigger.Acknowledged >= 6), "six events ran and were acknowledged");
            await stop.CancelAsync();
            await IgnoreCancellation(running);
        }
        Assert.Equal(["o1", "o3", "o4", "o5"], first.Results.Select(r => r.Trigger.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(2, harness.Errors.Counts["poison"]);
        await using (var probe = bus.CreateConsumer(group, ["orders"]))
        {
            Assert.Equal(6, await probe.GetCommittedAsync("orders", 0));
        }

        // A new member of the group starts after the poison event: it sees only what came after.
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync("orders", [Order("o7", T0 + 7, poison: false)]);
        }
        var second = new CollectingOutput();
        var secondRunner = new JobRunner(job, harness.DataSource, [second], harness.Errors, NullLogger.Instance);
        var secondTrigger = new AcknowledgeCountingTrigger(new LiveTrigger(bus, RuntimeHarness.Orders, group, ConsistencyLevel.Eventual, harness.Waiter, harness.Events, options));
        using (var stop = new CancellationTokenSource())
        {
            var running = secondRunner.RunAsync(secondTrigger, stop.Token);
            await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(secondTrigger.Acknowledged >= 1), "the new event ran");
            await stop.CancelAsync();
            await IgnoreCancellation(running);
        }
        Assert.Equal(1, secondRunner.Counters.Events);
        Assert.Equal("o7", Assert.Single(second.Results).Trigger.EventId);
        Assert.Equal(2, harness.Errors.Counts["poison"]);
    }

    private static OutgoingMessage Order(string id, long time, bool poison) => new(Encoding.UTF8.GetBytes("u1"),
        Encoding.UTF8.GetBytes($$"""{"oid":"{{id}}","user_id":"u1","t":{{time}},"amount":12.5{{(poison ? ",\"poison\":true" : "")}}}"""));

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Counts the events of batches the run loop has acknowledged (their commit done).</summary>
    private sealed class AcknowledgeCountingTrigger(ITrigger inner) : ITrigger
    {
        private long acknowledged;

        public long Acknowledged => Interlocked.Read(ref acknowledged);

        public string Description => inner.Description;

        public long? EstimatedTotal => inner.EstimatedTotal;

        public async IAsyncEnumerable<TriggerBatch> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var batch in inner.ReadAsync(cancellationToken))
            {
                yield return new TriggerBatch(batch.Events, async ct =>
                {
                    await batch.CompleteAsync(ct);
                    Interlocked.Add(ref acknowledged, batch.Events.Count);
                });
            }
        }
    }
}
