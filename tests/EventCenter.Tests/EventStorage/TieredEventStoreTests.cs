using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Storage;
using FeaturePlatform.EventCenter.Tests.Adapters.HBase;
namespace FeaturePlatform.EventCenter.Tests.EventStorage;

/// <summary>
/// Hot/cold tiering over two stores of one backend. The stores run on the system clock; the tiered store's
/// clock is moved instead, and "old" data is data with old event times, so TTL is exercised without waiting.
/// </summary>
public abstract class TieredEventStoreTests<TFactory>(TFactory factory) where TFactory : IWideTableStoreFactory
{
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
    private readonly TFactory _factory = factory;

    private sealed record Setup(IWideTableStore Hot, IWideTableStore Cold, TieredEventStore Tiered, EventStore HotOnly, ManualClock Clock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Hot.DisposeAsync();
            await Cold.DisposeAsync();
        }
    }

    private async Task<Setup> NewAsync(TimeSpan? reheatRetention = null)
    {
        var hot = await _factory.CreateAsync();
        var cold = await _factory.CreateAsync();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var hotTables = new EventTableOptions { TablePrefix = UniqueName.For("hot"), SaltBuckets = 4, ScanPageSize = 5 };
        var coldTables = hotTables with { TablePrefix = UniqueName.For("cold") };
        var tiered = new TieredEventStore(hot, cold, hotTables, coldTables, new TieringOptions { Clock = clock, ReheatRetention = reheatRetention ?? TimeSpan.FromDays(1) });
        await tiered.EnsureTablesAsync();
        return new Setup(hot, cold, tiered, new EventStore(hot, hotTables), clock);
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// Writes with the tiered clock 3 days back: late events' hot copies (family "r", stamped with that clock)
    /// are then already past the 1-day re-heat retention, so old events are only in cold, as after a day.
    /// </summary>
    private static async Task WriteColdAsync(Setup s, params ChangeEvent[] events)
    {
        s.Clock.Now = DateTimeOffset.UtcNow.AddDays(-3);
        await s.Tiered.WriteAsync(events);
        s.Clock.Now = DateTimeOffset.UtcNow;
    }

    [Fact]
    public async Task Randomized_reads_across_the_window_match_the_reference_model_cold_and_reheated()
    {
        for (var seed = 0; seed < _factory.RandomizedSeeds / 2; seed++)
        {
            await using var s = await NewAsync();
            // 12 daily slots from 40 to 29 days ago: the 32-day window starts in the middle.
            await RandomizedCheck.RunAsync(seed, s.Tiered, Now - (40 * Day), Day, readRounds: 2);
            Assert.True(s.Tiered.Counters.ColdReads > 0 && s.Tiered.Counters.HotReads > 0, $"seed {seed}: {s.Tiered.Counters}");
        }
    }

    [Fact]
    public async Task As_of_inside_the_window_is_hot_and_before_it_reads_cold_then_hot()
    {
        await using var s = await NewAsync();
        var now = Now;
        var old = EventStoreTests<TFactory>.Event("k", now - (40 * Day), 0, 1, EventOperation.Insert, "{\"v\":1}");
        var recent = EventStoreTests<TFactory>.Event("k", now - Day, 0, 2, EventOperation.Update, "{\"v\":2}");
        await WriteColdAsync(s, old, recent);
        var c = s.Tiered.Counters;

        Assert.Equal(recent, await s.Tiered.GetStateAsync("src", "k", now));
        Assert.Equal((1L, 0L), (c.HotReads, c.ColdReads));

        Assert.Equal(old, await s.Tiered.GetStateAsync("src", "k", now - (35 * Day)));
        Assert.Equal((1L, 1L, 1L), (c.HotReads, c.ColdReads, c.ReheatedEvents));

        Assert.Equal(old, await s.Tiered.GetStateAsync("src", "k", now - (35 * Day)));
        Assert.Equal(old, await s.Tiered.GetStateAsync("src", "k", now - (39 * Day)));
        Assert.Equal((3L, 1L), (c.HotReads, c.ColdReads));

        // Before the first event: cold says "absent" once, then hot knows it.
        Assert.Null(await s.Tiered.GetStateAsync("src", "k", now - (50 * Day)));
        Assert.Null(await s.Tiered.GetStateAsync("src", "k", now - (50 * Day)));
        Assert.Equal((4L, 2L), (c.HotReads, c.ColdReads));
    }

    [Fact]
    public async Task An_entity_unchanged_for_longer_than_the_window_is_found_through_cold()
    {
        await using var s = await NewAsync();
        var old = EventStoreTests<TFactory>.Event("k", Now - (60 * Day), 0, 1, EventOperation.Insert, "{}");
        await WriteColdAsync(s, old);

        Assert.Equal(old, await s.Tiered.GetStateAsync("src", "k", Now));
        Assert.Equal(old, await s.Tiered.GetStateAsync("src", "k", Now));
        Assert.Equal((1L, 1L), (s.Tiered.Counters.HotReads, s.Tiered.Counters.ColdReads));
    }

    [Fact]
    public async Task History_and_replay_reaching_before_the_window_reheat_and_then_hit_hot()
    {
        await using var s = await NewAsync();
        var events = Enumerable.Range(0, 30)
            .Select(i => EventStoreTests<TFactory>.Event("k" + (i % 3), Now - ((45 - i) * Day), i % 2, i, EventOperation.Update, $"{{\"i\":{i}}}"))
            .ToList();
        await WriteColdAsync(s, [.. events]);
        var c = s.Tiered.Counters;
        var from = Now - (44 * Day);
        var to = Now - (20 * Day);

        var history = events.Where(e => e.EntityKey == "k1" && e.EventTime >= from && e.EventTime < to).ToList();
        Assert.Equal(history, await RandomizedCheck.ToListAsync(s.Tiered.GetHistoryAsync("src", "k1", from, to)));
        Assert.Equal((0L, 1L), (c.HotReads, c.ColdReads));
        Assert.Equal(history, await RandomizedCheck.ToListAsync(s.Tiered.GetHistoryAsync("src", "k1", from, to)));
        Assert.Equal((1L, 1L), (c.HotReads, c.ColdReads));

        var replay = events.Where(e => e.EventTime >= from && e.EventTime < to).ToList();
        Assert.Equal(replay, await RandomizedCheck.ToListAsync(s.Tiered.ReplayAsync("src", from, to)));
        Assert.Equal((1L, 2L), (c.HotReads, c.ColdReads));
        Assert.Equal(replay, await RandomizedCheck.ToListAsync(s.Tiered.ReplayAsync("src", from, to)));
        Assert.Equal((2L, 2L), (c.HotReads, c.ColdReads));

        // The source replay re-heated every entity's events in its range: their history is hot now.
        var k2 = events.Where(e => e.EntityKey == "k2" && e.EventTime >= from && e.EventTime < to).ToList();
        Assert.Equal(k2, await RandomizedCheck.ToListAsync(s.Tiered.GetHistoryAsync("src", "k2", from, to)));
        Assert.Equal((3L, 2L), (c.HotReads, c.ColdReads));

        // A wider range is not covered: cold again.
        await RandomizedCheck.ToListAsync(s.Tiered.ReplayAsync("src", from - Day, to));
        Assert.Equal((3L, 3L), (c.HotReads, c.ColdReads));
    }

    [Fact]
    public async Task Lookup_by_id_of_an_old_event_reheats_it()
    {
        await using var s = await NewAsync();
        var old = EventStoreTests<TFactory>.Event("k", Now - (40 * Day), 0, 1, EventOperation.Insert, "{}") with { EventId = "req-old" };
        var recent = EventStoreTests<TFactory>.Event("k", Now - Day, 0, 2, EventOperation.Insert, "{}") with { EventId = "req-new" };
        await WriteColdAsync(s, old, recent);

        Assert.Equal(recent, await s.Tiered.GetByIdAsync("src", "req-new"));
        Assert.Equal(old, await s.Tiered.GetByIdAsync("src", "req-old"));
        Assert.Equal(old, await s.Tiered.GetByIdAsync("src", "req-old"));
        Assert.Equal((2L, 1L), (s.Tiered.Counters.HotReads, s.Tiered.Counters.ColdReads));
    }

    [Fact]
    public async Task Retention_expires_hot_rows_by_event_time_and_cold_keeps_them()
    {
        await using var s = await NewAsync();
        // While the tiered clock stands 10 days back, an event 35 days old is inside its window and goes to
        // hot family "e" at its event time; by the store's clock it is past the TTL, i.e. retention removed it.
        s.Clock.Now = DateTimeOffset.UtcNow.AddDays(-10);
        var e = EventStoreTests<TFactory>.Event("k", Now - (35 * Day), 0, 1, EventOperation.Insert, "{}");
        Assert.Equal([WriteOutcome.Written], (await s.Tiered.WriteAsync([e])).Select(r => r.Outcome));
        Assert.Null(await s.HotOnly.GetLatestEventAsync("src", "k", long.MaxValue));

        s.Clock.Now = DateTimeOffset.UtcNow;
        Assert.Equal(e, await s.Tiered.GetStateAsync("src", "k", long.MaxValue));
        Assert.Equal(1L, s.Tiered.Counters.ColdReads);
        Assert.Equal(e, await s.HotOnly.GetLatestEventAsync("src", "k", long.MaxValue));
        Assert.Equal([WriteOutcome.Duplicate], (await s.Tiered.WriteAsync([e])).Select(r => r.Outcome));
    }

    [Fact]
    public async Task Reheated_rows_and_their_markers_expire_together_after_the_reheat_retention()
    {
        await using var s = await NewAsync(reheatRetention: TimeSpan.FromDays(1));
        var e = EventStoreTests<TFactory>.Event("k", Now - (40 * Day), 0, 1, EventOperation.Insert, "{}");
        await WriteColdAsync(s, e);
        var asOf = Now - (39 * Day);

        // Re-heat stamped 2 days ago (clock moved back): already past the 1-day re-heat retention.
        s.Clock.Now = DateTimeOffset.UtcNow.AddDays(-2);
        Assert.Equal(e, await s.Tiered.GetStateAsync("src", "k", asOf));
        Assert.Null(await s.HotOnly.GetLatestEventAsync("src", "k", long.MaxValue));
        s.Clock.Now = DateTimeOffset.UtcNow;
        Assert.Equal(e, await s.Tiered.GetStateAsync("src", "k", asOf));
        Assert.Equal((0L, 2L), (s.Tiered.Counters.HotReads, s.Tiered.Counters.ColdReads));

        // Re-heated now: kept, and served hot.
        Assert.Equal(e, await s.Tiered.GetStateAsync("src", "k", asOf));
        Assert.Equal((1L, 2L), (s.Tiered.Counters.HotReads, s.Tiered.Counters.ColdReads));
        Assert.Equal(e, await s.HotOnly.GetLatestEventAsync("src", "k", long.MaxValue));
    }

    [Fact]
    public async Task Covered_ranges_are_remembered_until_their_markers_expire()
    {
        var hot = new CountingWideTableStore(await _factory.CreateAsync());
        await using var cold = await _factory.CreateAsync();
        await using var _ = hot;
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(-3));
        var hotTables = new EventTableOptions { TablePrefix = UniqueName.For("hot"), SaltBuckets = 4, ScanPageSize = 5 };
        var tiered = new TieredEventStore(hot, cold, hotTables, hotTables with { TablePrefix = UniqueName.For("cold") }, new TieringOptions { Clock = clock });
        await tiered.EnsureTablesAsync();
        var now = Now;
        var events = Enumerable.Range(0, 6).Select(i => EventStoreTests<TFactory>.Event("k", now - ((40 - i) * Day), 0, i, EventOperation.Update, $"{{\"i\":{i}}}")).ToArray();
        await tiered.WriteAsync(events);
        clock.Now = DateTimeOffset.UtcNow;
        long MarkerReads() => hot.Count(StoreCall.GetMany, "_reheat");
        // Events 1..5; below the hot floor now and two days on, so the same covered range both times.
        var (from, to) = (now - (39 * Day) - (Day / 2), now - (35 * Day) + (Day / 2));

        // First round: cold, re-heated, marked.
        var history = await RandomizedCheck.ToListAsync(tiered.GetHistoryAsync("src", "k", from, to));
        var latest = await tiered.GetLatestEventAsync("src", "k", to);
        var (afterFirst, coldReads) = (MarkerReads(), tiered.Counters.ColdReads);
        Assert.Equal(events[1..6], history);
        Assert.Equal(events[5], latest);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(history, await RandomizedCheck.ToListAsync(tiered.GetHistoryAsync("src", "k", from, to)));
            Assert.Equal(latest, await tiered.GetLatestEventAsync("src", "k", to));
        }
        Assert.Equal(afterFirst, MarkerReads()); // known covered: no read of the markers
        Assert.Equal(coldReads, tiered.Counters.ColdReads);

        // Past the re-heat retention the marker is not trusted from memory: the store is asked (and the rows come from cold).
        clock.Now = DateTimeOffset.UtcNow.AddDays(2);
        Assert.Equal(history, await RandomizedCheck.ToListAsync(tiered.GetHistoryAsync("src", "k", from, to)));
        Assert.True(MarkerReads() > afterFirst);
    }

    [Fact]
    public async Task A_late_event_older_than_the_window_is_seen_by_an_already_reheated_read()
    {
        await using var s = await NewAsync();
        var now = Now;
        var first = EventStoreTests<TFactory>.Event("k", now - (40 * Day), 0, 1, EventOperation.Insert, "{\"v\":1}");
        await WriteColdAsync(s, first);
        Assert.Equal(first, await s.Tiered.GetStateAsync("src", "k", now - (35 * Day)));

        var late = EventStoreTests<TFactory>.Event("k", now - (38 * Day), 0, 2, EventOperation.Update, "{\"v\":2}");
        await s.Tiered.WriteAsync([late]);
        Assert.Equal(late, await s.Tiered.GetStateAsync("src", "k", now - (35 * Day)));
        Assert.Equal((1L, 1L), (s.Tiered.Counters.HotReads, s.Tiered.Counters.ColdReads));
    }
}

public sealed class InMemoryTieredEventStoreTests() : TieredEventStoreTests<InMemoryStoreFactory>(new());

public sealed class EmbeddedTieredEventStoreTests() : TieredEventStoreTests<EmbeddedStoreFactory>(new());

[Collection(HBaseCollection.Name)]
public sealed class HBaseTieredEventStoreTests(HBaseThriftFixture fixture) : TieredEventStoreTests<HBaseStoreFactory>(new(fixture));
