using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.Tests.Adapters.HBase;
using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>
/// The HBase (Thrift2) backend against the shared Thrift2 fixture server; tables are created through the
/// server's admin path before the store verifies them, as an operator would on a real cluster.
/// </summary>
public sealed class HBaseStoreFactory(HBaseThriftFixture fixture) : IWideTableStoreFactory
{
    public Task<IWideTableStore> CreateAsync()
    {
        var server = fixture.Server;
        var store = new HBaseWideTableStore(HBaseClientTests.OptionsFor(server));
        return Task.FromResult<IWideTableStore>(new DelegatingStore(store, beforeEnsure: spec =>
            server.CreateTableAsync(new HBaseTableSpec(spec.Name.Qualified, [.. spec.Families.Select(f => new HBaseFamilySpec(f.Name, f.MaxVersions, f.TimeToLive))]))));
    }

    public int RandomizedSeeds => 6;
}
