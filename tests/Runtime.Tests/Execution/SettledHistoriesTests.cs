using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A run's history reads of settled time on the embedded event center: walked in time order as a replay walks, every
/// answer equals a read of its own (any window, any limit), most are answered from windows read ahead, and nothing at
/// or past the watermark is ever answered from memory.
/// </summary>
public sealed class SettledHistoriesTests
{
    [Fact]
    public async Task A_replays_reads_are_answered_from_windows_read_ahead_and_each_equals_a_read_of_its_own()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        const long t0 = 1_767_225_600_000;
        var users = Enumerable.Range(0, 8).Select(u => $"u{u}").ToList();
        var stored = Enumerable.Range(0, 600)
            .Select(i => StoredEvents.Order(users[random.Next(users.Count)], t0 + i * 100L + random.Next(0, 60), random.Next(1, 100), $"o{i}")).ToList();
        await StoredEvents.StoreAsync(harness, stored);

        var run = (EventCenterDataSource)harness.DataSource.ForRun();
        var reads = 0;
        foreach (var e in stored.OrderBy(e => e.EventTime))
        {
            // Windows of 0.5-5 s (5 to 50 orders apart), some with a limit, as a replay's events read their recent past.
            var window = random.Next(500, 5_000);
            var limit = random.Next(4) == 0 ? random.Next(1, 6) : 1000;
            var consistency = random.Next(3) switch { 0 => Consistency.Eventual, 1 => Consistency.TriggerStrong, _ => Consistency.FetchStrong };
            Assert.Equal(harness.DataSource.History("orders", e.EntityKey, e.EventTime - window, e.EventTime, limit, Consistency.Eventual),
                await run.HistoryAsync("orders", e.EntityKey, e.EventTime - window, e.EventTime, limit, consistency));
            reads++;
        }
        var held = run.SettledHistories!;
        // Each read reads on by its own span: an entity's next reads within that span are answered from memory.
        Assert.True(held.Misses * 3 < reads, $"{held.Misses} of {reads} reads went to the event center (seed {seed})");
        Assert.Equal(reads, held.Hits + held.Misses + 1); // the read at the watermark (the last order's time) is not settled
    }

    [Fact]
    public async Task Nothing_at_or_past_the_watermark_is_answered_from_memory()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        const long t0 = 1_767_225_600_000;
        var first = Enumerable.Range(0, 20).Select(i => StoredEvents.Order("u1", t0 + i * 1_000L, i, $"a{i}")).ToList();
        await StoredEvents.StoreAsync(harness, first, watermark: t0 + 30_000);
        var run = (EventCenterDataSource)harness.DataSource.ForRun();

        // A read of settled time reads ahead by its own span (19 s), but not to the watermark (t0 + 30 s) or past it.
        Assert.Equal(20, Count(await run.HistoryAsync("orders", "u1", t0, t0 + 19_000, 0, Consistency.TriggerStrong)));
        // Orders arrive at and after the watermark (where more may still come), and it moves on past them.
        var later = new[] { StoredEvents.Order("u1", t0 + 30_000, 30, "b0"), StoredEvents.Order("u1", t0 + 35_000, 35, "b1") };
        await StoredEvents.StoreAsync(harness, later, watermark: t0 + 40_000);

        // Inside the window read: from memory. Reaching the old watermark: read again, with the new orders.
        Assert.Equal(11, Count(await run.HistoryAsync("orders", "u1", t0 + 9_000, t0 + 19_000, 0, Consistency.Eventual)));
        Assert.Equal(3, Count(await run.HistoryAsync("orders", "u1", t0 + 19_000, t0 + 36_000, 0, Consistency.Eventual)));
        Assert.Equal(1, run.SettledHistories!.Hits);
    }

    [Fact]
    public async Task An_entity_with_more_changes_than_a_window_keeps_is_read_for_each_read_with_the_same_answers()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        const long t0 = 1_767_225_600_000;
        var hot = Enumerable.Range(0, SettledHistories.MaxRowsPerEntity + 500).Select(i => StoredEvents.Order("hot", t0 + i * 10L, i % 50, $"h{i}")).ToList();
        await StoredEvents.StoreAsync(harness, hot, watermark: t0 + 1_000_000);
        var run = (EventCenterDataSource)harness.DataSource.ForRun();

        // The SDK's default limit (the oldest 1,000), no limit over more than a window keeps, and a range the read-ahead
        // reaches past although it cannot keep it.
        foreach (var (since, until, limit) in new[] { (t0, t0 + 104_000L, 1000), (t0, t0 + 104_000L, 0), (t0 + 1_000L, t0 + 51_000L, 0) })
        {
            Assert.Equal(harness.DataSource.History("orders", "hot", since, until, limit, Consistency.Eventual),
                await run.HistoryAsync("orders", "hot", since, until, limit, Consistency.Eventual));
        }
        Assert.Equal(0, run.SettledHistories!.Hits);
        Assert.Equal(0, run.SettledHistories.Misses);
    }

    private static int Count(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetArrayLength();
}
