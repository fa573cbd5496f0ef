using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Events;

public abstract class WatermarkStoreTests<TFactory>(TFactory factory) where TFactory : IWideTableStoreFactory
{
    private readonly TFactory _factory = factory;

    private async Task<(IWideTableStore, WatermarkStore)> NewAsync()
    {
        var store = await _factory.CreateAsync();
        var watermarks = new WatermarkStore(store, new TableName(null, UniqueName.For("wm")));
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
}

public sealed class InMemoryWatermarkStoreTests() : WatermarkStoreTests<InMemoryStoreFactory>(new());

public sealed class EmbeddedWatermarkStoreTests() : WatermarkStoreTests<EmbeddedStoreFactory>(new());

[Collection(HBase.HBaseCollection.Name)]
public sealed class HBaseWatermarkStoreTests(HBaseThriftFixture fixture) : WatermarkStoreTests<HBaseStoreFactory>(new(fixture));
