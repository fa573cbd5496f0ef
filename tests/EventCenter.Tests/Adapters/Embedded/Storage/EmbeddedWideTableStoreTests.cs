using System.Text;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>What only the embedded backend has: persistence across reopen, compaction, its pool, its options.</summary>
public sealed class EmbeddedWideTableStoreTests : IDisposable
{
    private const long T0 = 1_600_000_000_000;
    private readonly string dir = TestPaths.NewServerDirectory("embedded-store");

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Kept for inspection.
        }
    }

    private EmbeddedWideTableStore Open(Func<EmbeddedStoreOptions, EmbeddedStoreOptions>? configure = null) =>
        EmbeddedWideTableStore.Open(configure?.Invoke(new EmbeddedStoreOptions { Directory = dir }) ?? new EmbeddedStoreOptions { Directory = dir });

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static Cell C(string f, string q, long ts, string v) => new(B(f), B(q), ts, B(v));

    private static async Task<List<RowResult>> ScanAsync(IWideTableStore store, TableName t, Scan scan)
    {
        var rows = new List<RowResult>();
        await foreach (var r in store.ScanAsync(t, scan))
        {
            rows.Add(r);
        }
        return rows;
    }

    private static string Render(IEnumerable<RowResult> rows) =>
        string.Join(";", rows.Select(r => Encoding.UTF8.GetString(r.Row) + "[" + string.Join(",", r.Cells.Select(c => $"{Encoding.UTF8.GetString(c.Family)}:{Encoding.UTF8.GetString(c.Qualifier)}@{c.Timestamp}={Encoding.UTF8.GetString(c.Value)}")) + "]"));

    [Fact]
    public async Task Tables_families_and_data_survive_reopening()
    {
        var t = new TableName("fp", UniqueName.For("persist"));
        var spec = new TableSpec(t, [new FamilySpec("e", MaxVersions: 2, TimeToLive: TimeSpan.FromHours(1)), new FamilySpec("m", MaxVersions: 3)]);
        var fresh = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000;
        var old = fresh - (long)TimeSpan.FromHours(2).TotalMilliseconds;
        await using (var store = Open())
        {
            await store.EnsureTableAsync(spec);
            await store.PutAsync(t, [new Put(B("r"), [C("e", "q", old, "old"), C("e", "q", fresh, "new"), C("m", "q", 1, "1"), C("m", "q", 2, "2"), C("m", "q", 3, "3"), C("m", "q", 4, "4")])]);
        }

        await using var reopened = Open();
        var persisted = Assert.Single(reopened.Tables);
        Assert.Equal(t, persisted.Name);
        Assert.Equal(spec.Families.OrderBy(f => f.Name), persisted.Families.OrderBy(f => f.Name));
        var row = await reopened.GetAsync(t, new Get(B("r")) { MaxVersions = 10 });
        Assert.Equal($"r[e:q@{fresh}=new,m:q@4=4,m:q@3=3,m:q@2=2]", Render([row!]));
    }

    [Fact]
    public async Task Compaction_deletes_expired_cells_surplus_versions_and_dropped_families_without_changing_reads()
    {
        var t = new TableName(null, UniqueName.For("compact"));
        await using var store = Open(o => o with { CompactionChunkCells = 7 });
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("a", MaxVersions: 2, TimeToLive: TimeSpan.FromHours(1)), new FamilySpec("b"), new FamilySpec("gone")]));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var old = now - (long)TimeSpan.FromHours(5).TotalMilliseconds;
        var puts = Enumerable.Range(0, 100).Select(i => new Put(B($"r{i:D3}"),
        [
            C("a", "x", now - 3, "a3"), C("a", "x", now - 2, "a2"), C("a", "x", now - 1, "a1"), // 1 surplus
            C("a", "y", old, "expired"),                                                          // expired
            C("b", "z", 10, "b10"), C("b", "z", 20, "b20"),                                       // 1 surplus
            C("gone", "q", T0, "g"),                                                              // family dropped below
        ])).ToList();
        await store.PutAsync(t, puts);
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("a", MaxVersions: 2, TimeToLive: TimeSpan.FromHours(1)), new FamilySpec("b")]));
        Assert.Equal(600, await store.StoredCellCountAsync(t));
        var before = Render(await ScanAsync(store, t, new Scan { MaxVersions = 10 }));

        var result = await store.CompactAsync(t);

        Assert.Equal(new CompactionResult(1, 600, 300), result);
        Assert.Equal(300, await store.StoredCellCountAsync(t));
        Assert.Equal(before, Render(await ScanAsync(store, t, new Scan { MaxVersions = 10 })));
        Assert.Equal(new CompactionResult(1, 300, 0), await store.CompactAsync());
    }

    [Fact]
    public async Task Compaction_loop_compacts_repeatedly_until_cancelled()
    {
        var t = new TableName(null, UniqueName.For("loop"));
        await using var store = Open();
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f", TimeToLive: TimeSpan.FromMinutes(1))]));
        var old = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await store.PutAsync(t, [new Put(B("r"), [C("f", "q", old, "expired")])]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var results = new List<CompactionResult>();

        await store.RunCompactionLoopAsync(TimeSpan.FromMilliseconds(10), r =>
        {
            results.Add(r);
            if (results.Count == 3)
            {
                cts.Cancel();
            }
        }, cts.Token);

        Assert.Equal(3, results.Count);
        Assert.Equal(1, results[0].CellsDeleted);
        Assert.Equal(0, results[2].CellsDeleted);
        Assert.Equal(0, await store.StoredCellCountAsync(t));
    }

    [Fact]
    public async Task Reads_use_the_primary_key_order_without_sorting()
    {
        var t = new TableName(null, UniqueName.For("plan"));
        await using var store = Open();
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));

        // Unbounded: one pass over the table's own (primary-key) b-tree.
        var full = await store.ExplainAsync(t, new Scan(), null);
        Assert.DoesNotContain("TEMP B-TREE", full, StringComparison.Ordinal);
        foreach (var scan in new[] { new Scan { Reversed = true, StartRow = B("m"), StopRow = B("c") }, new Scan { Prefix = B("ab"), TimeRange = new(5, 10), Columns = [new(B("f"), B("q"))] } })
        {
            var plan = await store.ExplainAsync(t, scan, null);
            Assert.False(plan.Contains("TEMP B-TREE", StringComparison.Ordinal), plan);
            Assert.True(plan.Contains("SEARCH", StringComparison.Ordinal) && plan.Contains("PRIMARY KEY (row>? AND row<?)", StringComparison.Ordinal), plan);
        }
        var getPlan = await store.ExplainAsync(t, null, new Get(B("r")) { Columns = [new(B("f"))] });
        Assert.DoesNotContain("TEMP B-TREE", getPlan, StringComparison.Ordinal);
        Assert.Contains("SEARCH", getPlan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scans_hand_their_reader_back_when_abandoned_or_failed()
    {
        var t = new TableName(null, UniqueName.For("pool"));
        await using var store = Open(o => o with { ReaderPoolSize = 2 });
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));
        await store.PutAsync(t, Enumerable.Range(0, 50).Select(i => new Put(B($"r{i:D2}"), [C("f", "q", T0, "v")])).ToList());

        for (var i = 0; i < 10; i++)
        {
            await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 5 }))
            {
                Assert.Equal(2, store.IdleReaders); // no connection is held while the caller holds a row
                break;
            }
        }

        Assert.Equal(2, store.IdleReaders);
    }

    [Fact]
    public async Task Readers_run_while_the_writer_writes_and_see_whole_batches()
    {
        var t = new TableName(null, UniqueName.For("concurrent"));
        await using var store = Open();
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var writer = Task.Run(async () =>
        {
            for (var b = 0; b < 40; b++)
            {
                await store.PutAsync(t, Enumerable.Range(0, 25).Select(i => new Put(B($"b{b:D2}-{i:D2}"), [C("f", "q", T0, "v")])).ToList(), cts.Token);
            }
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var last = 0;
            while (!writer.IsCompleted)
            {
                var count = (await ScanAsync(store, t, new Scan { PageSize = 64 })).Count;
                Assert.Equal(0, count % 25);
                Assert.True(count >= last);
                last = count;
            }
        })).ToList();

        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(1000, (await ScanAsync(store, t, new Scan())).Count);
    }

    [Fact]
    public async Task Table_names_differing_only_in_case_are_different_tables()
    {
        await using var store = Open();
        var upper = new TableName(null, "CaseTable");
        var lower = new TableName(null, "casetable");
        await store.EnsureTableAsync(new TableSpec(upper, [new FamilySpec("f")]));
        await store.EnsureTableAsync(new TableSpec(lower, [new FamilySpec("f")]));
        await store.PutAsync(upper, [new Put(B("r"), [C("f", "q", T0, "upper")])]);

        Assert.Null(await store.GetAsync(lower, new Get(B("r"))));
        Assert.Equal("upper", Encoding.UTF8.GetString((await store.GetAsync(upper, new Get(B("r"))))!.Cells[0].Value));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = " " }));
        Assert.Throws<ArgumentException>(() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir, ReaderPoolSize = 0 }));
        Assert.Throws<ArgumentException>(() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir, CacheSizeKiB = 1 }));
        Assert.Throws<ArgumentException>(() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir, Synchronous = (EmbeddedSynchronousMode)7 }));
        Assert.Throws<ArgumentException>(() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir, CompactionChunkCells = 0 }));
    }

    [Fact]
    public async Task Operations_after_dispose_fail_clearly()
    {
        var t = new TableName(null, UniqueName.For("disposed"));
        var store = Open();
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));
        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.PutAsync(t, [new Put(B("r"), [C("f", "q", T0, "v")])]));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync(t, new Get(B("r"))));
    }

    [Fact]
    public async Task Commits_leave_checkpoints_to_the_background_checkpointer_which_copies_the_log_into_the_database()
    {
        var table = new TableName(null, "wal");
        var databaseFile = Path.Combine(dir, "widetables.db");
        await using (var store = Open())
        {
            await store.EnsureTableAsync(new TableSpec(table, [new FamilySpec("f")]));
            var sizeBefore = new FileInfo(databaseFile).Length;
            for (var batch = 0; batch < 20; batch++)
            {
                await store.PutAsync(table, [.. Enumerable.Range(0, 200).Select(i => new Put(B($"r{batch:D3}-{i:D4}"), [C("f", "q", T0, new string('x', 200))]))]);
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (new FileInfo(databaseFile).Length <= sizeBefore && DateTime.UtcNow < deadline)
            {
                await Task.Delay(WalCheckpointer.Interval);
            }
            Assert.True(new FileInfo(databaseFile).Length > sizeBefore, "the log was never copied into the database file");
            Assert.True(store.Checkpointer.Checkpoints > 0);
            Assert.Null(store.Checkpointer.LastError);
        }
        await using (var reopened = Open())
        {
            Assert.Equal(4000, (await ScanAsync(reopened, table, new Scan())).Count);
        }
    }
}
