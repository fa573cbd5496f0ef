using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A batch's history reads on the embedded event center: each entity's history is read once for the batch, on to its
/// latest event of the batch, and every answer equals the one a read of its own gives — any window, any limit,
/// events in or out of time order. Fetch-strong reads always read for themselves.
/// </summary>
public sealed class BatchHistoryReadsTests
{
    [Fact]
    public async Task Each_entity_is_read_once_per_batch_and_every_answer_equals_a_read_of_its_own()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        const long t0 = 1_767_225_600_000;
        var users = Enumerable.Range(0, 6).Select(u => $"u{u}").ToList();
        var stored = Enumerable.Range(0, 400)
            .Select(i => StoredEvents.Order(users[random.Next(users.Count)], t0 + i * 150L + random.Next(0, 100), random.Next(1, 100), $"o{i}")).ToList();
        await StoredEvents.StoreAsync(harness, stored);

        // A batch of consecutive orders (as a live batch behind a backlog holds them), each reading its entity's last W ms.
        var start = random.Next(0, 300);
        var batch = stored.Skip(start).Take(60).ToList();
        var keys = batch.Select(e => e.EntityKey).Distinct().Count();
        var w = random.Next(500, 12_000);
        var inOrder = (BatchHistoryReads)BatchHistoryReads.For(harness.DataSource, batch);
        foreach (var e in batch)
        {
            // The SDK's default limit is 1,000 changes.
            Assert.Equal(harness.DataSource.History("orders", e.EntityKey, e.EventTime - w, e.EventTime, 1000, Consistency.TriggerStrong),
                inOrder.History("orders", e.EntityKey, e.EventTime - w, e.EventTime, 1000, Consistency.TriggerStrong));
        }
        Assert.True(inOrder.Reads == keys, $"{inOrder.Reads} reads for {keys} entities and {batch.Count} events (seed {seed})");

        // Out of order, any window and limit: the same answers.
        var shuffled = (BatchHistoryReads)BatchHistoryReads.For(harness.DataSource, batch);
        foreach (var e in batch.OrderBy(_ => random.Next()))
        {
            var window = random.Next(500, 12_000);
            foreach (var limit in new[] { 0, 1000, random.Next(1, 5) })
            {
                Assert.Equal(harness.DataSource.History("orders", e.EntityKey, e.EventTime - window, e.EventTime, limit, Consistency.Eventual),
                    shuffled.History("orders", e.EntityKey, e.EventTime - window, e.EventTime, limit, Consistency.Eventual));
            }
        }
        Assert.True(shuffled.Reads < batch.Count, $"{shuffled.Reads} reads for {batch.Count} events (seed {seed})");

        // Fetch-strong reads wait for the watermark at their own time and read for themselves.
        var strong = (BatchHistoryReads)BatchHistoryReads.For(harness.DataSource, batch);
        foreach (var e in batch.Take(10))
        {
            Assert.Equal(harness.DataSource.History("orders", e.EntityKey, e.EventTime - 5_000, e.EventTime, 0, Consistency.FetchStrong),
                strong.History("orders", e.EntityKey, e.EventTime - 5_000, e.EventTime, 0, Consistency.FetchStrong));
        }
        Assert.Equal(0, strong.Reads);

        // Each batch of a replay run wraps the run's data source; the worker lane still tells them for one run (its
        // settled scope), so the run's batches stay with the worker that holds its settled copies.
        var run = harness.DataSource.ForRun();
        Assert.NotNull(((ISettledFetches)run).SettledScope);
        var batches = new[] { BatchHistoryReads.For(run, batch), new FeaturePlatform.Runtime.Repair.TrackedReads(BatchHistoryReads.For(run, batch)) };
        Assert.All(batches, b => Assert.Same(FeaturePlatform.Runtime.Workers.JobWorkers.RunOf(run), FeaturePlatform.Runtime.Workers.JobWorkers.RunOf(b)));
        Assert.NotSame(FeaturePlatform.Runtime.Workers.JobWorkers.RunOf(run), FeaturePlatform.Runtime.Workers.JobWorkers.RunOf(harness.DataSource.ForRun()));
    }
}
