using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Selection;
using FeaturePlatform.Runtime.Tests.Outputs;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.Selection;

/// <summary>
/// Selection on HBase (Thrift2 fixture, which evaluates SingleColumnValueFilter with AND/OR as HBase does): the scan
/// engine with push-down equals the brute-force reference for random predicates, and the push-down really filters.
/// </summary>
[Collection(HBaseCollection.Name)]
public sealed class SelectionHBaseTests(HBaseThriftFixture hbase)
{
    [Fact]
    public async Task Scan_with_pushdown_equals_a_brute_force_filter_for_random_predicates()
    {
        await using var store = new AdminCreatingStore(hbase.Server);
        Assert.True(store.SupportsFilterString);
        var copy = new SelectionCopy();
        var features = new FeatureStore(store, new TableName(null, UniqueName.For("features").Replace('-', '_')), saltBuckets: 4, listener: copy);
        await features.EnsureTableAsync();
        var pushed = await SelectionPropertyTests.RunAsync(features, copy, 7, 150,
            rebuilt => [new ScanSelectionEngine(features), new MemorySelectionEngine(rebuilt)]);
        Assert.True(pushed > 30, $"a filter was pushed down in only {pushed} of 150 rounds");
    }
}
