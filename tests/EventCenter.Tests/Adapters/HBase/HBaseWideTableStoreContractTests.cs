using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.Tests.Storage;
using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.EventCenter.Tests.Adapters.HBase;

/// <summary>A fixture server like a real HBase: tables exist only when an admin created them.</summary>
public sealed class HBaseContractServer : IAsyncLifetime
{
    public HBaseThriftServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions { AutoCreateTables = false });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The shared storage contract, run on <see cref="HBaseWideTableStore"/> against the Thrift2 fixture.</summary>
public sealed class HBaseWideTableStoreContractTests(HBaseContractServer fixture) : WideTableStoreContractTests, IClassFixture<HBaseContractServer>
{
    protected override Task<IWideTableStore> CreateStoreAsync() =>
        Task.FromResult<IWideTableStore>(new HBaseWideTableStore(HBaseClientTests.OptionsFor(fixture.Server)));

    protected override async Task CreateTableAsync(IWideTableStore store, TableSpec spec)
    {
        // The admin path (HBase shell's create), then the store's verification.
        await fixture.Server.CreateTableAsync(new HBaseTableSpec(spec.Name.Qualified, spec.Families.Select(f => new HBaseFamilySpec(f.Name, f.MaxVersions, f.TimeToLive)).ToList()));
        await store.EnsureTableAsync(spec);
    }

    [Fact]
    public async Task EnsureTable_reports_a_missing_table_with_the_admin_command()
    {
        await using var store = await CreateStoreAsync();
        var spec = new TableSpec(new TableName(null, Testing.Infrastructure.UniqueName.For("absent")), [new FamilySpec("e", MaxVersions: 3)]);
        var e = await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.EnsureTableAsync(spec));
        Assert.Contains("create '", e.InnerException!.Message, StringComparison.Ordinal);
        Assert.Contains("VERSIONS => 3", e.InnerException.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureTable_reports_a_missing_family()
    {
        await using var store = await CreateStoreAsync();
        var name = new TableName(null, Testing.Infrastructure.UniqueName.For("fam"));
        await fixture.Server.CreateTableAsync(new HBaseTableSpec(name.Qualified, [new HBaseFamilySpec("a")]));
        var e = await Assert.ThrowsAsync<NoSuchColumnFamilyException>(async () => await store.EnsureTableAsync(new TableSpec(name, [new FamilySpec("a"), new FamilySpec("b")])));
        Assert.Equal("b", e.Family);
    }

    [Fact]
    public async Task A_scan_that_fits_one_page_is_one_round_trip_without_a_scanner()
    {
        await using var store = new HBaseWideTableStore(HBaseClientTests.OptionsFor(fixture.Server));
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 12).Select(i => P($"r{i:D3}", C("f", "q", T0, "v"))).ToList());
        var before = await fixture.Server.GetStatsAsync();
        var forward = await ScanAllAsync(store, t, new Scan { PageSize = 20 });
        var reversed = await ScanAllAsync(store, t, new Scan { PageSize = 20, Reversed = true, Prefix = "r00"u8.ToArray() });
        // Exactly one page (12 rows, page size 12): the full page goes on with a scanner, which finds nothing more.
        var exact = await ScanAllAsync(store, t, new Scan { PageSize = 12 });
        var after = await fixture.Server.GetStatsAsync();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"r{i:D3}"), forward.Select(r => System.Text.Encoding.UTF8.GetString(r.Row)));
        Assert.Equal(Enumerable.Range(0, 10).Reverse().Select(i => $"r{i:D3}"), reversed.Select(r => System.Text.Encoding.UTF8.GetString(r.Row)));
        Assert.Equal(12, exact.Count);
        Assert.Equal(3, after.CallsOf("getScannerResults") - before.CallsOf("getScannerResults"));
        Assert.Equal(1, after.CallsOf("openScanner") - before.CallsOf("openScanner"));
        Assert.Equal(1, after.CallsOf("closeScanner") - before.CallsOf("closeScanner"));
    }

    [Fact]
    public async Task Scanners_are_always_closed()
    {
        await using var store = new HBaseWideTableStore(HBaseClientTests.OptionsFor(fixture.Server));
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 50).Select(i => P($"r{i:D3}", C("f", "q", T0, "v"))).ToList());
        var before = await fixture.Server.GetStatsAsync();
        // The first page of a scan needs no scanner (getScannerResults); the consumer stops in the second, a scanner's.
        for (var i = 0; i < 5; i++)
        {
            var seen = 0;
            await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 4 }))
            {
                if (++seen == 6)
                {
                    break;
                }
            }
        }
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            var seen = 0;
            await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 4, Reversed = true }))
            {
                if (++seen == 6)
                {
                    throw new InvalidOperationException("consumer failed");
                }
            }
        });
        Assert.Equal(6, (await ScanAllAsync(store, t, new Scan { Limit = 6 })).Count); // stateless: no scanner
        var after = await fixture.Server.GetStatsAsync();
        Assert.Equal(6, after.CallsOf("openScanner") - before.CallsOf("openScanner"));
        Assert.Equal(6, after.CallsOf("closeScanner") - before.CallsOf("closeScanner"));
        Assert.Equal(7, after.CallsOf("getScannerResults") - before.CallsOf("getScannerResults"));
        Assert.Equal(store.ScannersOpened, store.ScannersClosed);
    }
}
