using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.Testing.Storage;

namespace FeaturePlatform.EventCenter.Tests.EventStorage;

/// <summary>
/// The latest event and the next change's time of an entity (what a settled read needs) from one scan when the store
/// can: the same answers as the two reads apart, and one scan instead of two where the entity did not change since.
/// </summary>
public sealed class LatestAndNextTests
{
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    [Fact]
    public async Task One_scan_answers_as_the_two_reads_do_for_random_histories()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var seed = 0; seed < 20; seed++)
        {
            var random = new Random(seed);
            var plain = new EventStore(new InMemoryWideTableStore(), new EventTableOptions { ScanPageSize = 3 });
            var tiered = new TieredEventStore(new InMemoryWideTableStore(), new InMemoryWideTableStore(), new EventTableOptions { ScanPageSize = 3 });
            await plain.EnsureTablesAsync();
            await tiered.EnsureTablesAsync();
            // Odd seeds straddle the hot window (daily slots from 40 days ago), even ones are all hot (seconds apart).
            var (start, slot) = seed % 2 == 0 ? (now - Day, 1000L) : (now - (40 * Day), Day);
            var generator = new EventGen(random, ["a"], entities: 4, start, timeSlots: 20, slot);
            var events = Enumerable.Range(0, 60).Select(_ => generator.Next()).ToList();
            await plain.WriteAsync(events);
            await tiered.WriteAsync(events);
            foreach (var store in new IEventReader[] { plain, tiered })
            {
                for (var i = 0; i < 200; i++)
                {
                    var key = "k" + random.Next(5);
                    var asOf = start - slot + random.NextInt64(22 * slot);
                    var before = asOf + 1 + random.NextInt64(22 * slot);
                    var expected = await store.ReadLatestAndNextAsync("a", key, asOf, before);
                    var actual = await store.GetLatestAndNextAsync("a", key, asOf, before);
                    Assert.True(Equals(expected.Latest, actual.Latest) && expected.Next == actual.Next,
                        $"seed {seed}, {store.GetType().Name}, {key} as of {asOf} before {before}: {actual} instead of {expected}");
                }
            }
        }
    }

    [Fact]
    public async Task An_entity_unchanged_since_is_one_scan_and_one_that_changes_often_stops_trying()
    {
        var counting = new CountingWideTableStore(new InMemoryWideTableStore());
        var store = new EventStore(counting);
        await store.EnsureTablesAsync();
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Day;
        await store.WriteAsync([Event("profile", "u1", t0, 0)]);
        await store.WriteAsync([.. Enumerable.Range(0, 50).Select(i => Event("orders", "u1", t0 + i, i + 1))]);

        var scans = counting.Count(StoreCall.Scan);
        var (latest, next) = await store.GetLatestAndNextAsync("profile", "u1", t0 + 10, t0 + 100);
        Assert.Equal((t0, (long?)null), (latest!.EventTime, next));
        Assert.Equal(1, counting.Count(StoreCall.Scan) - scans);

        // Many changes after the as-of time: the scan cannot tell, so the source soon goes straight to the two reads.
        scans = counting.Count(StoreCall.Scan);
        for (var i = 0; i < 100; i++)
        {
            (latest, next) = await store.GetLatestAndNextAsync("orders", "u1", t0 + 5, t0 + 100);
            Assert.Equal((t0 + 5, (long?)(t0 + 6)), (latest!.EventTime, next));
        }
        var used = counting.Count(StoreCall.Scan) - scans;
        Assert.True(used <= 215, $"{used} scans for 100 reads (two each, and a few tries of the one scan)");
    }

    private static ChangeEvent Event(string source, string key, long time, int offset) => new()
    {
        Source = source,
        EntityKey = key,
        Operation = EventOperation.Update,
        EventTime = time,
        IngestTime = time,
        Position = new SourcePosition("topic-" + source, 0, offset),
        EventId = $"{source}-{offset}",
        After = "{\"v\":1}"u8.ToArray(),
    };
}
