using System.Text;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Storage;

/// <summary>
/// The semantics every <see cref="IWideTableStore"/> backend must keep. A backend's test class derives from this
/// and supplies the store. Every test creates its own uniquely named tables, so a backend may hand out one
/// shared store. Nothing here relies on one backend's quirks: timestamps are explicit and in the past (HBase
/// delete markers hide later puts with older timestamps, so no test re-puts after a delete), and TTL is
/// checked with old cell timestamps, never by sleeping.
/// </summary>
public abstract partial class WideTableStoreContractTests
{
    /// <summary>A fixed past base timestamp (2020-09-13) for families without TTL.</summary>
    protected const long T0 = 1_600_000_000_000;

    /// <summary>Bounds every test's waits, so a hang fails instead of blocking the run.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Returns the store under test. Tests dispose it when done.</summary>
    protected abstract Task<IWideTableStore> CreateStoreAsync();

    /// <summary>Creates a table for a test. HBase backends may override this to create it through an admin path.</summary>
    protected virtual Task CreateTableAsync(IWideTableStore store, TableSpec spec) => store.EnsureTableAsync(spec).AsTask();

    /// <summary>The namespace test tables go into; null for the default namespace.</summary>
    protected virtual string? TableNamespace => null;

    /// <summary>A new uniquely named table with these families (default: one family "f").</summary>
    protected async Task<TableName> NewTableAsync(IWideTableStore store, params FamilySpec[] families)
    {
        var name = new TableName(TableNamespace, UniqueName.For("wt"));
        await CreateTableAsync(store, new TableSpec(name, families.Length == 0 ? [new FamilySpec("f")] : families));
        return name;
    }

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    protected static string S(byte[] b) => Encoding.UTF8.GetString(b);

    protected static Cell C(string family, string qualifier, long ts, string value) => new(B(family), B(qualifier), ts, B(value));

    protected static Put P(string row, params Cell[] cells) => new(B(row), cells);

    protected static Task PutAsync(IWideTableStore store, TableName t, params Put[] puts) => store.PutAsync(t, puts).AsTask();

    /// <summary>A row's cells as "family:qualifier@ts=value" strings, in the order returned.</summary>
    protected static string[] Render(RowResult? row) =>
        row is null ? [] : row.Cells.Select(c => $"{S(c.Family)}:{S(c.Qualifier)}@{c.Timestamp}={S(c.Value)}").ToArray();

    protected static async Task<List<RowResult>> ScanAllAsync(IWideTableStore store, TableName t, Scan scan)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var rows = new List<RowResult>();
        await foreach (var row in store.ScanAsync(t, scan, cts.Token))
        {
            rows.Add(row);
        }
        return rows;
    }

    protected static async Task<List<string>> ScanKeysAsync(IWideTableStore store, TableName t, Scan scan) =>
        (await ScanAllAsync(store, t, scan)).Select(r => Hex(r.Row)).ToList();

    protected static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    protected static byte[] K(params byte[] b) => b;

    [Fact]
    public async Task Put_then_get_returns_the_cells_sorted_by_family_and_qualifier()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("a"), new FamilySpec("b"));
        await PutAsync(store, t, P("r1", C("b", "x", T0, "bx"), C("a", "z", T0, "az"), C("a", "y", T0, "ay")));

        var row = await store.GetAsync(t, new Get(B("r1")));

        Assert.NotNull(row);
        Assert.Equal("r1", S(row.Row));
        Assert.Equal([$"a:y@{T0}=ay", $"a:z@{T0}=az", $"b:x@{T0}=bx"], Render(row));
    }

    [Fact]
    public async Task Get_of_a_missing_row_returns_null()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await PutAsync(store, t, P("present", C("f", "q", T0, "v")));

        Assert.Null(await store.GetAsync(t, new Get(B("absent"))));
        Assert.Null(await store.GetAsync(t, new Get(B("presen"))));
        Assert.Null(await store.GetAsync(t, new Get(B("present\0"))));
    }

    [Fact]
    public async Task Put_with_latest_timestamp_is_stamped_with_the_current_time()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PutAsync(store, t, P("r", C("f", "q", Cell.LatestTimestamp, "v")));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var cell = Assert.Single((await store.GetAsync(t, new Get(B("r"))))!.Cells);
        // Generous slack: an HBase server may run on another clock.
        Assert.InRange(cell.Timestamp, before - 60_000, after + 60_000);
    }

    [Fact]
    public async Task Versions_are_returned_newest_first_up_to_MaxVersions()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 5));
        for (var i = 1; i <= 4; i++)
        {
            await PutAsync(store, t, P("r", C("f", "q", T0 + i, $"v{i}")));
        }

        Assert.Equal([$"f:q@{T0 + 4}=v4"], Render(await store.GetAsync(t, new Get(B("r")))));
        Assert.Equal([$"f:q@{T0 + 4}=v4", $"f:q@{T0 + 3}=v3"], Render(await store.GetAsync(t, new Get(B("r")) { MaxVersions = 2 })));
        Assert.Equal(4, (await store.GetAsync(t, new Get(B("r")) { MaxVersions = 100 }))!.Cells.Count);
    }

    [Fact]
    public async Task Versions_beyond_the_family_MaxVersions_are_not_returned()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 3));
        await PutAsync(store, t, P("r", Enumerable.Range(1, 6).Select(i => C("f", "q", T0 + i, $"v{i}")).ToArray()));

        var row = await store.GetAsync(t, new Get(B("r")) { MaxVersions = 10 });

        Assert.Equal([$"f:q@{T0 + 6}=v6", $"f:q@{T0 + 5}=v5", $"f:q@{T0 + 4}=v4"], Render(row));
    }

    [Fact]
    public async Task Putting_the_same_timestamp_again_replaces_the_value()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 3));
        await PutAsync(store, t, P("r", C("f", "q", T0, "old")));
        await PutAsync(store, t, P("r", C("f", "q", T0, "new")));

        Assert.Equal([$"f:q@{T0}=new"], Render(await store.GetAsync(t, new Get(B("r")) { MaxVersions = 3 })));
    }

    [Fact]
    public async Task Empty_qualifier_and_empty_value_are_stored_and_distinct()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await PutAsync(store, t, P("r", C("f", "", T0, ""), C("f", "q", T0, "")));

        var row = await store.GetAsync(t, new Get(B("r")));

        Assert.Equal([$"f:@{T0}=", $"f:q@{T0}="], Render(row));
        Assert.Equal([$"f:@{T0}="], Render(await store.GetAsync(t, new Get(B("r")) { Columns = [new(B("f"), [])] })));
    }

    [Fact]
    public async Task Binary_qualifiers_and_values_round_trip_byte_for_byte()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        var qualifier = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var value = new byte[100_000];
        new Random(7).NextBytes(value);
        await store.PutAsync(t, [new Put(K(0x00, 0xFF, 0x80), [new Cell(B("f"), qualifier, T0, value)])]);

        var row = await store.GetAsync(t, new Get(K(0x00, 0xFF, 0x80)));

        var cell = Assert.Single(row!.Cells);
        Assert.Equal(qualifier, cell.Qualifier);
        Assert.Equal(value, cell.Value);
    }

    [Fact]
    public async Task Time_range_is_half_open()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 10));
        await PutAsync(store, t, P("r", C("f", "q", 100, "a"), C("f", "q", 200, "b"), C("f", "q", 300, "c")));

        Assert.Equal(["f:q@200=b"], Render(await store.GetAsync(t, new Get(B("r")) { TimeRange = new(200, 300), MaxVersions = 10 })));
        Assert.Equal(["f:q@300=c", "f:q@200=b"], Render(await store.GetAsync(t, new Get(B("r")) { TimeRange = new(101, 301), MaxVersions = 10 })));
        // The newest version inside the range, even if newer ones exist outside it.
        Assert.Equal(["f:q@100=a"], Render(await store.GetAsync(t, new Get(B("r")) { TimeRange = new(0, 200) })));
        Assert.Null(await store.GetAsync(t, new Get(B("r")) { TimeRange = new(301, 1000) }));
        Assert.Null(await store.GetAsync(t, new Get(B("r")) { TimeRange = new(150, 200) }));
    }

    [Fact]
    public async Task Column_selection_by_family_and_by_qualifier()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("a"), new FamilySpec("b"));
        await PutAsync(store, t, P("r", C("a", "x", T0, "1"), C("a", "y", T0, "2"), C("b", "x", T0, "3"), C("b", "z", T0, "4")));

        Assert.Equal([$"b:x@{T0}=3", $"b:z@{T0}=4"], Render(await store.GetAsync(t, new Get(B("r")) { Columns = [new(B("b"))] })));
        Assert.Equal([$"a:y@{T0}=2", $"b:x@{T0}=3"],
            Render(await store.GetAsync(t, new Get(B("r")) { Columns = [new(B("b"), B("x")), new(B("a"), B("y"))] })));
        Assert.Equal([$"a:x@{T0}=1", $"a:y@{T0}=2", $"b:x@{T0}=3"],
            Render(await store.GetAsync(t, new Get(B("r")) { Columns = [new(B("a")), new(B("b"), B("x"))] })));
        Assert.Null(await store.GetAsync(t, new Get(B("r")) { Columns = [new(B("a"), B("nope"))] }));
    }

    [Fact]
    public async Task GetMany_lines_up_with_the_input_and_returns_null_for_missing_rows()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await PutAsync(store, t, P("a", C("f", "q", T0, "A")), P("b", C("f", "q", T0, "B")));

        var rows = await store.GetManyAsync(t, [new Get(B("b")), new Get(B("missing")), new Get(B("a")), new Get(B("b")) { TimeRange = new(0, T0) }, new Get(B("a"))]);

        Assert.Equal(5, rows.Count);
        Assert.Equal("b", S(rows[0]!.Row));
        Assert.Null(rows[1]);
        Assert.Equal("a", S(rows[2]!.Row));
        Assert.Null(rows[3]);
        Assert.Equal([$"f:q@{T0}=A"], Render(rows[4]));
        Assert.Empty(await store.GetManyAsync(t, []));
    }

    [Fact]
    public async Task GetMany_of_many_rows_returns_each()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 500).Select(i => P($"row{i:D4}", C("f", "q", T0, $"v{i}"))).ToList());

        var gets = Enumerable.Range(0, 600).Reverse().Select(i => new Get(B($"row{i:D4}"))).ToList();
        var rows = await store.GetManyAsync(t, gets);

        for (var i = 0; i < gets.Count; i++)
        {
            var n = 599 - i;
            if (n >= 500)
            {
                Assert.Null(rows[i]);
            }
            else
            {
                Assert.Equal($"v{n}", S(rows[i]!.Cells[0].Value));
            }
        }
    }
}
