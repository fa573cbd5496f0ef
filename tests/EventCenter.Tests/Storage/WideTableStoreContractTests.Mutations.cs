using FeaturePlatform.EventCenter.Storage;
namespace FeaturePlatform.EventCenter.Tests.Storage;

public abstract partial class WideTableStoreContractTests
{
    private async Task<TableName> DeleteFixtureAsync(IWideTableStore store)
    {
        var t = await NewTableAsync(store, new FamilySpec("a", MaxVersions: 5), new FamilySpec("b", MaxVersions: 5));
        foreach (var row in new[] { "r1", "r2", "r3" })
        {
            await PutAsync(store, t, P(row,
                C("a", "x", 100, "ax100"), C("a", "x", 200, "ax200"), C("a", "x", 300, "ax300"),
                C("a", "y", 100, "ay100"), C("b", "x", 100, "bx100"), C("b", "x", 200, "bx200")));
        }
        return t;
    }

    [Fact]
    public async Task Delete_of_a_whole_row_removes_every_cell_and_leaves_other_rows()
    {
        await using var store = await CreateStoreAsync();
        var t = await DeleteFixtureAsync(store);

        await store.DeleteAsync(t, [new Delete(B("r2"))]);

        Assert.Null(await store.GetAsync(t, new Get(B("r2")) { MaxVersions = 5 }));
        Assert.Equal(["r1", "r3"], (await ScanAllAsync(store, t, new Scan())).Select(r => S(r.Row)));
        Assert.Equal(6, (await store.GetAsync(t, new Get(B("r1")) { MaxVersions = 5 }))!.Cells.Count);
    }

    [Fact]
    public async Task Delete_of_columns_and_families_removes_all_their_versions()
    {
        await using var store = await CreateStoreAsync();
        var t = await DeleteFixtureAsync(store);

        await store.DeleteAsync(t, [new Delete(B("r1"), [new(B("a"), B("x"))]), new Delete(B("r2"), [new(B("a"))]), new Delete(B("r3"), [new(B("a"), B("y")), new(B("b"))])]);

        Assert.Equal(["a:y@100=ay100", "b:x@200=bx200", "b:x@100=bx100"], Render(await store.GetAsync(t, new Get(B("r1")) { MaxVersions = 5 })));
        Assert.Equal(["b:x@200=bx200", "b:x@100=bx100"], Render(await store.GetAsync(t, new Get(B("r2")) { MaxVersions = 5 })));
        Assert.Equal(["a:x@300=ax300", "a:x@200=ax200", "a:x@100=ax100"], Render(await store.GetAsync(t, new Get(B("r3")) { MaxVersions = 5 })));
    }

    [Fact]
    public async Task Delete_up_to_a_timestamp_removes_only_versions_at_or_before_it()
    {
        await using var store = await CreateStoreAsync();
        var t = await DeleteFixtureAsync(store);

        await store.DeleteAsync(t,
        [
            new Delete(B("r1"), UpToTimestamp: 200),
            new Delete(B("r2"), [new(B("a"), B("x"))], UpToTimestamp: 200),
            new Delete(B("r3"), [new(B("b"))], UpToTimestamp: 100),
        ]);

        Assert.Equal(["a:x@300=ax300"], Render(await store.GetAsync(t, new Get(B("r1")) { MaxVersions = 5 })));
        Assert.Equal(["a:x@300=ax300", "a:y@100=ay100", "b:x@200=bx200", "b:x@100=bx100"], Render(await store.GetAsync(t, new Get(B("r2")) { MaxVersions = 5 })));
        Assert.Equal(["a:x@300=ax300", "a:x@200=ax200", "a:x@100=ax100", "a:y@100=ay100", "b:x@200=bx200"],
            Render(await store.GetAsync(t, new Get(B("r3")) { MaxVersions = 5 })));
    }

    [Fact]
    public async Task Delete_of_a_missing_row_or_column_is_not_an_error()
    {
        await using var store = await CreateStoreAsync();
        var t = await DeleteFixtureAsync(store);

        await store.DeleteAsync(t, [new Delete(B("nope")), new Delete(B("r1"), [new(B("a"), B("nope"))]), new Delete(B("r1"), UpToTimestamp: 50)]);
        await store.DeleteAsync(t, []);

        Assert.Equal(6, (await store.GetAsync(t, new Get(B("r1")) { MaxVersions = 5 }))!.Cells.Count);
    }

    [Fact]
    public async Task A_batch_of_puts_writes_every_row()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        var puts = Enumerable.Range(0, 1000).Select(i => P($"r{i:D4}", C("f", "q", T0, $"v{i}"))).ToList();

        await store.PutAsync(t, puts);
        await store.PutAsync(t, []);

        var rows = await ScanAllAsync(store, t, new Scan());
        Assert.Equal(puts.Select(p => S(p.Row)), rows.Select(r => S(r.Row)));
    }

    [Fact]
    public async Task Puts_to_the_same_row_in_one_batch_merge()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 3));

        await PutAsync(store, t, P("r", C("f", "a", T0, "1")), P("r", C("f", "b", T0, "2")), P("r", C("f", "a", T0 + 1, "3")));

        Assert.Equal([$"f:a@{T0 + 1}=3", $"f:a@{T0}=1", $"f:b@{T0}=2"], Render(await store.GetAsync(t, new Get(B("r")) { MaxVersions = 3 })));
    }

    [Fact]
    public async Task CheckAndPut_with_null_expected_applies_only_when_the_column_is_absent()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        Assert.True(await store.CheckAndPutAsync(t, B("r"), B("f"), B("lock"), null, P("r", C("f", "lock", T0, "owner1"), C("f", "data", T0, "d1"))));
        Assert.False(await store.CheckAndPutAsync(t, B("r"), B("f"), B("lock"), null, P("r", C("f", "lock", T0 + 1, "owner2"), C("f", "data", T0 + 1, "d2"))));

        Assert.Equal([$"f:data@{T0}=d1", $"f:lock@{T0}=owner1"], Render(await store.GetAsync(t, new Get(B("r")))));
        // Another column of the same row being present does not matter.
        Assert.True(await store.CheckAndPutAsync(t, B("r"), B("f"), B("other"), null, P("r", C("f", "other", T0, "o"))));
    }

    [Fact]
    public async Task CheckAndPut_with_expected_value_compares_the_latest_version()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 3));
        await PutAsync(store, t, P("r", C("f", "v", T0, "1"), C("f", "v", T0 + 1, "2")));

        Assert.False(await store.CheckAndPutAsync(t, B("r"), B("f"), B("v"), B("1"), P("r", C("f", "v", T0 + 2, "x"))));
        Assert.False(await store.CheckAndPutAsync(t, B("missing"), B("f"), B("v"), B("2"), P("missing", C("f", "v", T0 + 2, "x"))));
        Assert.True(await store.CheckAndPutAsync(t, B("r"), B("f"), B("v"), B("2"), P("r", C("f", "v", T0 + 2, "3"))));
        Assert.True(await store.CheckAndPutAsync(t, B("r"), B("f"), B("v"), B("3"), P("r", C("f", "v", T0 + 3, "4"))));

        Assert.Equal([$"f:v@{T0 + 3}=4", $"f:v@{T0 + 2}=3", $"f:v@{T0 + 1}=2"], Render(await store.GetAsync(t, new Get(B("r")) { MaxVersions = 3 })));
        Assert.Null(await store.GetAsync(t, new Get(B("missing"))));
    }

    [Fact]
    public async Task CheckAndPut_lets_exactly_one_of_many_concurrent_claimants_win()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await store.CheckAndPutAsync(t, B("job"), B("f"), B("owner"), null, P("job", C("f", "owner", T0, $"w{i}"))))));

        var winner = Assert.Single(claims.Select((won, i) => (won, i)), c => c.won);
        Assert.Equal([$"f:owner@{T0}=w{winner.i}"], Render(await store.GetAsync(t, new Get(B("job")))));
    }

    [Fact]
    public async Task Cells_older_than_the_family_TTL_are_hidden_from_gets_scans_and_checks()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 3, TimeToLive: TimeSpan.FromHours(1)), new FamilySpec("k"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var old = now - (long)TimeSpan.FromHours(3).TotalMilliseconds;
        var fresh = now - (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
        await PutAsync(store, t,
            P("expired", C("f", "q", old, "gone")),
            P("mixed", C("f", "q", old, "gone"), C("f", "q", fresh, "here"), C("f", "o", old, "gone"), C("k", "q", old, "kept")),
            P("fresh", C("f", "q", fresh, "here")));

        Assert.Null(await store.GetAsync(t, new Get(B("expired"))));
        Assert.Equal([$"f:q@{fresh}=here", $"k:q@{old}=kept"], Render(await store.GetAsync(t, new Get(B("mixed")) { MaxVersions = 3 })));
        Assert.Equal(["fresh", "mixed"], (await ScanAllAsync(store, t, new Scan())).Select(r => S(r.Row)));
        Assert.Equal(["mixed", "fresh"], (await ScanAllAsync(store, t, new Scan { Reversed = true })).Select(r => S(r.Row)));
        Assert.Equal(["fresh", "mixed"], (await ScanAllAsync(store, t, new Scan { Columns = [new(B("f"))] })).Select(r => S(r.Row)));
        var many = await store.GetManyAsync(t, [new Get(B("expired")), new Get(B("fresh"))]);
        Assert.Null(many[0]);
        Assert.NotNull(many[1]);
        // An expired column counts as absent.
        Assert.True(await store.CheckAndPutAsync(t, B("expired"), B("f"), B("q"), null, P("expired", C("f", "q", fresh, "again"))));
    }

    [Fact]
    public async Task A_row_with_no_visible_cells_does_not_exist()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("a"), new FamilySpec("b"));
        await PutAsync(store, t, P("r1", C("a", "x", 100, "v")), P("r2", C("b", "x", 100, "v")), P("r3", C("a", "x", 100, "v")));
        await store.DeleteAsync(t, [new Delete(B("r3"), [new(B("a"), B("x"))])]);

        Assert.Null(await store.GetAsync(t, new Get(B("r3"))));
        Assert.Null(await store.GetAsync(t, new Get(B("r2")) { Columns = [new(B("a"))] }));
        Assert.Equal(["r1", "r2"], (await ScanAllAsync(store, t, new Scan())).Select(r => S(r.Row)));
        Assert.Equal(["r1"], (await ScanAllAsync(store, t, new Scan { Columns = [new(B("a"))] })).Select(r => S(r.Row)));
        Assert.Equal(["r2"], (await ScanAllAsync(store, t, new Scan { Columns = [new(B("b"))], Reversed = true })).Select(r => S(r.Row)));
        Assert.Empty(await ScanAllAsync(store, t, new Scan { TimeRange = new(101, 1000) }));
    }
}
