using FeaturePlatform.EventCenter.Storage;
namespace FeaturePlatform.EventCenter.Tests.Storage;

public abstract partial class WideTableStoreContractTests
{
    private static readonly byte[][] OrderedKeys =
    [
        K(0x00), K(0x00, 0x00), K(0x01), K(0x01, 0xFF), K(0x01, 0xFF, 0x00), K(0x01, 0xFF, 0xFF, 0xFF), K(0x02),
        K(0x7F), K(0x80), K(0x80, 0x00), K(0xFE, 0xFF), K(0xFF), K(0xFF, 0x00), K(0xFF, 0xFF),
    ];

    private async Task<TableName> OrderedTableAsync(IWideTableStore store)
    {
        var t = await NewTableAsync(store);
        // Written in a shuffled order, read back sorted.
        var shuffled = OrderedKeys.OrderBy(k => Hex(k).GetHashCode(StringComparison.Ordinal)).ToList();
        await store.PutAsync(t, shuffled.Select(k => new Put(k, [new Cell(B("f"), B("q"), T0, k)])).ToList());
        return t;
    }

    private static List<string> Expected(Func<byte[], bool> where, bool reversed = false)
    {
        var keys = OrderedKeys.Where(where).Select(Hex).ToList();
        if (reversed)
        {
            keys.Reverse();
        }
        return keys;
    }

    [Fact]
    public async Task Scan_returns_rows_in_unsigned_byte_order_forward_and_reverse()
    {
        await using var store = await CreateStoreAsync();
        var t = await OrderedTableAsync(store);

        Assert.Equal(Expected(_ => true), await ScanKeysAsync(store, t, new Scan()));
        Assert.Equal(Expected(_ => true, reversed: true), await ScanKeysAsync(store, t, new Scan { Reversed = true }));
        var rows = await ScanAllAsync(store, t, new Scan());
        Assert.All(rows, r => Assert.Equal(r.Row, Assert.Single(r.Cells).Value));
    }

    [Fact]
    public async Task Start_row_is_inclusive_and_stop_row_exclusive()
    {
        await using var store = await CreateStoreAsync();
        var t = await OrderedTableAsync(store);
        var start = K(0x01, 0xFF);
        var stop = K(0x80, 0x00);

        Assert.Equal(Expected(k => RowKeys.Compare(k, start) >= 0 && RowKeys.Compare(k, stop) < 0),
            await ScanKeysAsync(store, t, new Scan { StartRow = start, StopRow = stop }));
        Assert.Equal(Expected(k => RowKeys.Compare(k, start) >= 0), await ScanKeysAsync(store, t, new Scan { StartRow = start }));
        Assert.Equal(Expected(k => RowKeys.Compare(k, stop) < 0), await ScanKeysAsync(store, t, new Scan { StopRow = stop }));
        // Keys between stored rows.
        Assert.Equal(Expected(k => RowKeys.Compare(k, K(0x03)) >= 0 && RowKeys.Compare(k, K(0xFF, 0x00, 0x00)) < 0),
            await ScanKeysAsync(store, t, new Scan { StartRow = K(0x03), StopRow = K(0xFF, 0x00, 0x00) }));
        Assert.Empty(await ScanKeysAsync(store, t, new Scan { StartRow = K(0x03), StopRow = K(0x03) }));
    }

    [Fact]
    public async Task Reverse_scan_starts_at_the_start_row_inclusive_and_stops_before_the_stop_row()
    {
        await using var store = await CreateStoreAsync();
        var t = await OrderedTableAsync(store);
        var start = K(0x80, 0x00);
        var stop = K(0x01, 0xFF);

        Assert.Equal(Expected(k => RowKeys.Compare(k, start) <= 0 && RowKeys.Compare(k, stop) > 0, reversed: true),
            await ScanKeysAsync(store, t, new Scan { Reversed = true, StartRow = start, StopRow = stop }));
        Assert.Equal(Expected(k => RowKeys.Compare(k, start) <= 0, reversed: true),
            await ScanKeysAsync(store, t, new Scan { Reversed = true, StartRow = start }));
        Assert.Equal(Expected(k => RowKeys.Compare(k, stop) > 0, reversed: true),
            await ScanKeysAsync(store, t, new Scan { Reversed = true, StopRow = stop }));
        Assert.Equal(Expected(k => RowKeys.Compare(k, K(0x7F, 0x50)) <= 0, reversed: true),
            await ScanKeysAsync(store, t, new Scan { Reversed = true, StartRow = K(0x7F, 0x50) }));
    }

    [Theory]
    [InlineData(new byte[] { 0x01 })]
    [InlineData(new byte[] { 0x01, 0xFF })]
    [InlineData(new byte[] { 0x01, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x05 })]
    public async Task Prefix_scan_returns_exactly_the_keys_with_the_prefix_in_both_directions(byte[] prefix)
    {
        await using var store = await CreateStoreAsync();
        var t = await OrderedTableAsync(store);

        Assert.Equal(Expected(k => k.AsSpan().StartsWith(prefix)), await ScanKeysAsync(store, t, new Scan { Prefix = prefix }));
        Assert.Equal(Expected(k => k.AsSpan().StartsWith(prefix), reversed: true),
            await ScanKeysAsync(store, t, new Scan { Prefix = prefix, Reversed = true }));
    }

    [Fact]
    public async Task Prefix_scan_excludes_the_key_just_after_the_prefix_range()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        foreach (var k in new[] { "aa", "ab", "ab\0", "abz", "ac", "ac\0", "b" })
        {
            await PutAsync(store, t, P(k, C("f", "q", T0, k)));
        }

        Assert.Equal(["ab", "ab\0", "abz"], (await ScanAllAsync(store, t, new Scan { Prefix = B("ab") })).Select(r => S(r.Row)));
        Assert.Equal(["abz", "ab\0", "ab"], (await ScanAllAsync(store, t, new Scan { Prefix = B("ab"), Reversed = true })).Select(r => S(r.Row)));
    }

    [Fact]
    public async Task Prefix_combines_with_start_and_stop_rows()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 30).Select(i => P($"{(char)('a' + (i / 10))}{i % 10}", C("f", "q", T0, "v"))).ToList());

        Assert.Equal(["b3", "b4", "b5"], (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StartRow = B("b3"), StopRow = B("b6") })).Select(r => S(r.Row)));
        Assert.Equal(["b7", "b8", "b9"], (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StartRow = B("b7") })).Select(r => S(r.Row)));
        Assert.Equal(["b0", "b1"], (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StopRow = B("b2") })).Select(r => S(r.Row)));
        Assert.Equal(["b0", "b1", "b2"], (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StartRow = B("a5"), StopRow = B("b3") })).Select(r => S(r.Row)));
        Assert.Equal(["b5", "b4", "b3", "b2", "b1", "b0"],
            (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StartRow = B("b5"), Reversed = true })).Select(r => S(r.Row)));
        Assert.Equal(["b9", "b8"],
            (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StopRow = B("b7"), Reversed = true })).Select(r => S(r.Row)));
        Assert.Equal(["b9", "b8"],
            (await ScanAllAsync(store, t, new Scan { Prefix = B("b"), StartRow = B("c5"), StopRow = B("b7"), Reversed = true })).Select(r => S(r.Row)));
    }

    [Fact]
    public async Task Limit_caps_the_number_of_rows_in_both_directions()
    {
        await using var store = await CreateStoreAsync();
        var t = await OrderedTableAsync(store);

        Assert.Equal(Expected(_ => true).Take(3), await ScanKeysAsync(store, t, new Scan { Limit = 3, PageSize = 2 }));
        Assert.Equal(Expected(_ => true, reversed: true).Take(5), await ScanKeysAsync(store, t, new Scan { Limit = 5, Reversed = true }));
        Assert.Equal(Expected(_ => true).Take(1), await ScanKeysAsync(store, t, new Scan { Limit = 1, PageSize = 1 }));
        Assert.Equal(OrderedKeys.Length, (await ScanKeysAsync(store, t, new Scan { Limit = 1000 })).Count);
        Assert.Equal(Expected(k => k[0] == 0xFF), await ScanKeysAsync(store, t, new Scan { Limit = 4, Prefix = K(0xFF) }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scan_pages_through_thousands_of_rows_with_a_small_page_size(bool reversed)
    {
        const int Rows = 3_000;
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("f", MaxVersions: 2));
        for (var batch = 0; batch < Rows; batch += 500)
        {
            await store.PutAsync(t, Enumerable.Range(batch, 500).Select(i =>
                P($"k{i:D5}", C("f", "a", T0, $"{i}"), C("f", "a", T0 + 1, $"{i}+"), C("f", "b", T0, "b"))).ToList());
        }

        var rows = await ScanAllAsync(store, t, new Scan { PageSize = 7, Reversed = reversed, MaxVersions = 2 });

        var expected = Enumerable.Range(0, Rows).Select(i => $"k{i:D5}").ToList();
        if (reversed)
        {
            expected.Reverse();
        }
        Assert.Equal(expected, rows.Select(r => S(r.Row)));
        Assert.All(rows, r => Assert.Equal(3, r.Cells.Count));
        Assert.Equal([$"f:a@{T0 + 1}=1234+", $"f:a@{T0}=1234", $"f:b@{T0}=b"], Render(rows.Single(r => S(r.Row) == "k01234")));
    }

    [Fact]
    public async Task Scan_applies_columns_time_range_and_versions_and_skips_rows_left_empty()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store, new FamilySpec("a", MaxVersions: 3), new FamilySpec("b"));
        await PutAsync(store, t,
            P("r1", C("a", "x", 100, "1"), C("a", "x", 200, "2"), C("b", "y", 100, "3")),
            P("r2", C("b", "y", 100, "4")),
            P("r3", C("a", "x", 300, "5")),
            P("r4", C("a", "z", 150, "6")));

        var byColumn = await ScanAllAsync(store, t, new Scan { Columns = [new(B("a"), B("x"))], MaxVersions = 3 });
        Assert.Equal(["r1", "r3"], byColumn.Select(r => S(r.Row)));
        Assert.Equal(["a:x@200=2", "a:x@100=1"], Render(byColumn[0]));

        var byTime = await ScanAllAsync(store, t, new Scan { TimeRange = new(100, 200), PageSize = 1 });
        Assert.Equal(["r1", "r2", "r4"], byTime.Select(r => S(r.Row)));
        Assert.Equal(["a:x@100=1", "b:y@100=3"], Render(byTime[0]));

        var byTimeReversed = await ScanAllAsync(store, t, new Scan { TimeRange = new(100, 200), PageSize = 1, Reversed = true });
        Assert.Equal(["r4", "r2", "r1"], byTimeReversed.Select(r => S(r.Row)));

        var byFamily = await ScanAllAsync(store, t, new Scan { Columns = [new(B("b"))] });
        Assert.Equal(["r1", "r2"], byFamily.Select(r => S(r.Row)));
    }

    [Fact]
    public async Task Scan_of_an_empty_table_or_range_returns_nothing()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        Assert.Empty(await ScanAllAsync(store, t, new Scan()));
        Assert.Empty(await ScanAllAsync(store, t, new Scan { Reversed = true }));
        await PutAsync(store, t, P("m", C("f", "q", T0, "v")));
        Assert.Empty(await ScanAllAsync(store, t, new Scan { StartRow = B("n") }));
        Assert.Empty(await ScanAllAsync(store, t, new Scan { Reversed = true, StartRow = B("l") }));
        Assert.Empty(await ScanAllAsync(store, t, new Scan { Prefix = B("mm") }));
    }

    [Fact]
    public async Task Abandoned_and_failed_scans_release_their_resources()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 100).Select(i => P($"r{i:D3}", C("f", "q", T0, "v"))).ToList());

        using var cts = new CancellationTokenSource(Timeout);
        for (var i = 0; i < 80; i++)
        {
            await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 10, Reversed = i % 2 == 1 }, cts.Token))
            {
                break;
            }
        }
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 3 }, cts.Token))
                {
                    throw new InvalidOperationException("consumer failed");
                }
            });
        }
        // Abandoning an enumerator without ever moving it must not hold anything either.
        for (var i = 0; i < 20; i++)
        {
            await using var e = store.ScanAsync(t, new Scan(), cts.Token).GetAsyncEnumerator(cts.Token);
        }

        // The store still reads and writes normally.
        await PutAsync(store, t, P("r999", C("f", "q", T0, "v")));
        Assert.Equal(101, (await ScanAllAsync(store, t, new Scan { PageSize = 10 })).Count);
    }

    [Fact]
    public async Task Scan_honours_cancellation()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        await store.PutAsync(t, Enumerable.Range(0, 50).Select(i => P($"r{i:D3}", C("f", "q", T0, "v"))).ToList());
        using var cts = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in store.ScanAsync(t, new Scan { PageSize = 5 }, cts.Token))
            {
                if (++seen == 12)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.InRange(seen, 12, 15);
    }
}
