using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Tests.Consistency;

public sealed class SettledStateCacheTests
{
    private const long T0 = 1_700_000_000_000;
    private const long SlotMs = 1000;
    private const int Slots = 40;

    [Fact]
    public async Task Cached_answers_equal_the_event_centers_for_random_histories_and_fetch_orders()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            var random = new Random(seed);
            var store = new InMemoryWideTableStore();
            var events = new EventStore(store);
            await events.EnsureTablesAsync();
            var watermarks = new WatermarkStore(store);
            await watermarks.EnsureTableAsync();
            var generator = new EventGen(random, ["a", "b"], entities: 6, T0, Slots, SlotMs);
            await events.WriteAsync([.. Enumerable.Range(0, 150).Select(_ => generator.Next())]);
            var watermark = T0 + (5 + random.Next(Slots - 5)) * SlotMs;
            await watermarks.AdvanceEventTimeAsync("a", watermark);
            await watermarks.AdvanceEventTimeAsync("b", watermark);
            var cache = new SettledStateCache(events, watermarks, capacity: 1 + random.Next(8));

            for (var i = 0; i < 400; i++)
            {
                var source = random.Next(2) == 0 ? "a" : "b";
                var key = "k" + random.Next(6);
                var asOf = T0 - SlotMs + random.NextInt64((Slots + 2) * SlotMs);
                var expected = (await events.GetStateAsync(source, key, asOf))?.After;
                if (cache.TryGet(source, key, asOf, out var cached))
                {
                    Assert.True(asOf < watermark, $"seed {seed}: a state at or above the watermark was served from memory");
                    Assert.Equal(expected, cached);
                    continue;
                }
                var fetched = await cache.FetchSettledAsync(source, key, asOf);
                if (asOf >= watermark)
                {
                    Assert.Null(fetched);
                }
                else
                {
                    Assert.NotNull(fetched);
                    Assert.Equal(expected, fetched.Json);
                }
            }
            Assert.True(cache.Hits > 0, $"seed {seed}: the cache never answered");
        }
    }

    [Fact]
    public async Task An_event_stored_later_at_or_above_the_watermark_is_never_hidden_by_a_cached_state()
    {
        var store = new InMemoryWideTableStore();
        var events = new EventStore(store);
        await events.EnsureTablesAsync();
        var watermarks = new WatermarkStore(store);
        await watermarks.EnsureTableAsync();
        var generator = new EventGen(new Random(7), ["a"], entities: 1, T0, 1, SlotMs);
        var first = generator.Next() with { EntityKey = "k", EventTime = T0, After = "{\"v\":1}"u8.ToArray(), Operation = EventOperation.Insert };
        await events.WriteAsync([first]);
        await watermarks.AdvanceEventTimeAsync("a", T0 + 100);
        var cache = new SettledStateCache(events, watermarks);

        Assert.Equal(first.After, (await cache.FetchSettledAsync("a", "k", T0 + 50))!.Json);
        // Ingestion stores a change at the watermark, then moves the watermark past it.
        var second = first with { EventId = "second", EventTime = T0 + 100, After = "{\"v\":2}"u8.ToArray(), Operation = EventOperation.Update };
        await events.WriteAsync([second]);
        await watermarks.AdvanceEventTimeAsync("a", T0 + 200);

        Assert.True(cache.TryGet("a", "k", T0 + 99, out var before));
        Assert.Equal(first.After, before);
        Assert.False(cache.TryGet("a", "k", T0 + 100, out _)); // the cached range ended at the old watermark
        // Past the remembered watermark: either not settled yet for the cache (the caller fetches normally) or the new state.
        var after = await cache.FetchSettledAsync("a", "k", T0 + 150);
        Assert.True(after is null || after.Json.AsSpan().SequenceEqual(second.After), "a stale state was served");
    }
}
