using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Tests.Adapters.HBase;
namespace FeaturePlatform.EventCenter.Tests.Watermarks;

public abstract class WatermarkStoreTests<TFactory>(TFactory factory) where TFactory : IWideTableStoreFactory
{
    private readonly TFactory _factory = factory;

    private readonly MillisecondClock _clock = new(1_700_000_000_000);

    private async Task<(IWideTableStore, WatermarkStore)> NewAsync()
    {
        var store = await _factory.CreateAsync();
        var watermarks = new WatermarkStore(store, new TableName(null, UniqueName.For("wm")), _clock);
        await watermarks.EnsureTableAsync();
        return (store, watermarks);
    }

    [Fact]
    public async Task Offsets_and_event_times_only_move_forward()
    {
        var (store, wm) = await NewAsync();
        await using var _ = store;
        Assert.Null(await wm.GetOffsetAsync("src", "topic", 3));
        Assert.True(await wm.AdvanceOffsetAsync("src", "topic", 3, 10));
        Assert.False(await wm.AdvanceOffsetAsync("src", "topic", 3, 10));
        Assert.False(await wm.AdvanceOffsetAsync("src", "topic", 3, 4));
        Assert.True(await wm.AdvanceOffsetAsync("src", "topic", 3, 11));
        Assert.Equal(11, await wm.GetOffsetAsync("src", "topic", 3));
        Assert.Null(await wm.GetOffsetAsync("src", "topic", 2));

        Assert.Null(await wm.GetEventTimeAsync("src"));
        Assert.True(await wm.AdvanceEventTimeAsync("src", 1_000));
        Assert.False(await wm.AdvanceEventTimeAsync("src", 999));
        Assert.Equal(1_000, await wm.GetEventTimeAsync("src"));
        Assert.Null(await wm.GetEventTimeAsync("src2"));
    }

    [Fact]
    public async Task Partitions_of_a_source_are_listed_in_order_and_apart_from_other_sources()
    {
        var (store, wm) = await NewAsync();
        await using var _ = store;
        await wm.AdvanceOffsetAsync("src", "b", 0, 5);
        await wm.AdvanceOffsetAsync("src", "a", 10, 7);
        await wm.AdvanceOffsetAsync("src", "a", 2, 9);
        await wm.AdvanceOffsetAsync("src-other", "a", 0, 1);
        await wm.AdvanceEventTimeAsync("src", 5);

        var list = new List<PartitionWatermark>();
        await foreach (var p in wm.GetOffsetsAsync("src"))
        {
            list.Add(p);
        }
        Assert.Equal([new("a", 2, 9), new("a", 10, 7), new("b", 0, 5)], list);
    }

    [Fact]
    public async Task Concurrent_advances_end_at_the_maximum()
    {
        var (store, wm) = await NewAsync();
        await using var _ = store;
        var values = Enumerable.Range(1, 200).OrderBy(i => (i * 7919) % 200).ToList();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            foreach (var v in values.Where((_, i) => i % 4 == w))
            {
                await wm.AdvanceOffsetAsync("src", "t", 0, v);
            }
        })));
        Assert.Equal(200, await wm.GetOffsetAsync("src", "t", 0));
    }

    [Fact]
    public async Task Batched_blind_writes_from_concurrent_writers_max_merge()
    {
        var (store, wm) = await NewAsync();
        await using var _ = store;
        var values = Enumerable.Range(1, 200).OrderBy(i => (i * 7919) % 200).ToList();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            foreach (var v in values.Where((_, i) => i % 4 == w))
            {
                await wm.WriteAsync(
                [
                    WatermarkWrite.Offset("src", "t", 0, v),
                    WatermarkWrite.PartitionTime("src", "t", 0, 1_000 + v, null),
                    WatermarkWrite.EventTime("src", 2_000 + v, null),
                ]);
            }
        })));
        Assert.Equal(200, await wm.GetOffsetAsync("src", "t", 0));
        Assert.Equal(2_200, await wm.GetEventTimeAsync("src"));
        var marks = await wm.ReadSourceAsync("src");
        Assert.Equal(200, marks.Offsets[("t", 0)]);
        Assert.Equal(new StoredMark(1_200, null), marks.PartitionTimes[("t", 0)]);
        Assert.Equal(new StoredMark(2_200, null), marks.EventTime);
    }

    [Fact]
    public async Task A_clock_rule_is_evaluated_by_readers_up_to_its_end_and_can_be_frozen()
    {
        var (store, wm) = await NewAsync();
        await using var _ = store;
        var t = _clock.Now;
        await wm.WriteAsync([WatermarkWrite.EventTime("src", t - 5_000, new ClockFollow(100, t + 1_000)), WatermarkWrite.PartitionTime("src", "t", 3, null, new ClockFollow(100, t + 1_000))]);
        Assert.Equal(t - 100, await wm.GetEventTimeAsync("src"));
        _clock.Now = t + 500;
        Assert.Equal(t + 400, await wm.GetEventTimeAsync("src"));
        var time = await wm.GetOffsetsAsync("src").SingleAsync();
        Assert.Equal(t + 400, time.NextOffset);
        _clock.Now = t + 5_000;
        Assert.Equal(t + 900, await wm.GetEventTimeAsync("src")); // the rule ended: the mark stops there
        _clock.Now = t + 600;
        await wm.WriteAsync([WatermarkWrite.EventTime("src", null, new ClockFollow(100, t + 600))]);
        _clock.Now = t + 9_000;
        Assert.Equal(t + 500, await wm.GetEventTimeAsync("src"));
        await wm.WriteAsync([WatermarkWrite.EventTime("src", t + 7_000, null)]);
        Assert.Equal(t + 7_000, await wm.GetEventTimeAsync("src"));
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class MillisecondClock(long now) : TimeProvider
{
    public long Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Now);
}

public sealed class InMemoryWatermarkStoreTests() : WatermarkStoreTests<InMemoryStoreFactory>(new());

public sealed class EmbeddedWatermarkStoreTests() : WatermarkStoreTests<EmbeddedStoreFactory>(new());

[Collection(HBaseCollection.Name)]
public sealed class HBaseWatermarkStoreTests(HBaseThriftFixture fixture) : WatermarkStoreTests<HBaseStoreFactory>(new(fixture));
