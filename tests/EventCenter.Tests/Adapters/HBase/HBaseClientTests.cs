using System.Text;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Adapters.HBase;

/// <summary>Every THBaseService method of the generated C# client, through the pool, against the Python (Apache Thrift) fixture server.</summary>
[Collection(HBaseCollection.Name)]
public sealed class HBaseClientTests(HBaseThriftFixture fixture)
{
    private static readonly byte[] F = B("f");

    internal static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    internal static HBaseOptions OptionsFor(HBaseThriftServer server) => new()
    {
        Port = server.Port,
        Transport = server.Options.Transport == HBaseThriftTransport.Framed ? HBaseTransport.Framed : HBaseTransport.Buffered,
        ReadTimeout = TimeSpan.FromSeconds(20),
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    internal static TPut Put(string row, string q, string v, long? ts = 1000)
    {
        var value = new TColumnValue(F, B(q), B(v));
        if (ts is { } t)
        {
            value.Timestamp = t;
        }
        return new TPut(B(row), [value]);
    }

    private static ValueTask<T> Call<T>(HBaseClient client, Func<THBaseService.Client, Task<T>> f) =>
        client.ExecuteAsync(f, static (c, fn, _) => fn(c), idempotent: true, CancellationToken.None);

    private static ValueTask Call(HBaseClient client, Func<THBaseService.Client, Task> f) =>
        client.ExecuteAsync(f, static (c, fn, _) => fn(c), idempotent: true, CancellationToken.None);

    private static string Value(TResult r) => r.ColumnValues is [var first, ..] ? Encoding.UTF8.GetString(first.Value) : "";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_method_works_over_buffered_and_framed_transports(bool framed)
    {
        var server = framed ? await fixture.GetFramedServerAsync() : fixture.Server;
        await using var client = new HBaseClient(OptionsFor(server));
        var t = B(UniqueName.For("cli"));
        var ct = CancellationToken.None;

        await Call(client, c => c.put(t, Put("a", "q", "va"), ct));
        await Call(client, c => c.putMultiple(t, [Put("b", "q", "vb"), Put("c", "q", "vc"), Put("d", "q", "vd")], ct));

        Assert.True(await Call(client, c => c.exists(t, new TGet(B("a")), ct)));
        Assert.False(await Call(client, c => c.exists(t, new TGet(B("zz")), ct)));
        var a = await Call(client, c => c.@get(t, new TGet(B("a")), ct));
        Assert.Equal("va", Encoding.UTF8.GetString(Assert.Single(a.ColumnValues!).Value));
        Assert.Equal(1000, a.ColumnValues![0].Timestamp);
        Assert.Empty((await Call(client, c => c.@get(t, new TGet(B("zz")), ct))).ColumnValues!);
        var many = await Call(client, c => c.getMultiple(t, [new TGet(B("c")), new TGet(B("zz")), new TGet(B("b"))], ct));
        Assert.Equal(["vc", "", "vb"], many.Select(Value));

        Assert.True(await Call(client, c => c.checkAndPut(t, B("e"), F, B("q"), null, Put("e", "q", "ve"), ct)));
        Assert.False(await Call(client, c => c.checkAndPut(t, B("e"), F, B("q"), null, Put("e", "q", "other"), ct)));
        Assert.True(await Call(client, c => c.checkAndPut(t, B("e"), F, B("q"), B("ve"), Put("e", "q", "ve2", 2000), ct)));

        await Call(client, c => c.deleteSingle(t, new TDelete(B("a")), ct));
        Assert.False(await Call(client, c => c.exists(t, new TGet(B("a")), ct)));
        Assert.Empty(await Call(client, c => c.deleteMultiple(t, [new TDelete(B("b")), new TDelete(B("c")) { Columns = [new TColumn(F) { Qualifier = B("q") }] }], ct)));

        var id = await Call(client, c => c.openScanner(t, new TScan { Caching = 10 }, ct));
        var rows = await Call(client, c => c.getScannerRows(id, 10, ct));
        Assert.Equal(["d", "e"], rows.Select(r => Encoding.UTF8.GetString(r.Row!)));
        await Call(client, c => c.closeScanner(id, ct));
        var stateless = await Call(client, c => c.getScannerResults(t, new TScan { Reversed = true }, 1, ct));
        Assert.Equal("e", Encoding.UTF8.GetString(Assert.Single(stateless).Row!));
    }

    [Fact]
    public async Task Scanner_pages_through_many_rows_and_unknown_scanner_is_an_illegal_argument()
    {
        await using var client = new HBaseClient(OptionsFor(fixture.Server));
        var t = B(UniqueName.For("pages"));
        var ct = CancellationToken.None;
        await Call(client, c => c.putMultiple(t, Enumerable.Range(0, 2500).Select(i => Put($"r{i:D5}", "q", $"v{i}")).ToList(), ct));

        var id = await Call(client, c => c.openScanner(t, new TScan { Caching = 97 }, ct));
        var seen = new List<string>();
        while (true)
        {
            var page = await Call(client, c => c.getScannerRows(id, 97, ct));
            if (page.Count == 0)
            {
                break;
            }
            Assert.True(page.Count <= 97);
            seen.AddRange(page.Select(r => Encoding.UTF8.GetString(r.Row!)));
        }
        await Call(client, c => c.closeScanner(id, ct));
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => $"r{i:D5}"), seen);

        var e = await Assert.ThrowsAsync<HBaseIllegalArgumentException>(async () => await Call(client, c => c.getScannerRows(id, 1, ct)));
        Assert.Contains("scanner", e.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<HBaseIllegalArgumentException>(async () => await Call(client, c => c.closeScanner(id, ct)));
        // The connection stays usable after a declared exception.
        Assert.True(await Call(client, c => c.exists(t, new TGet(B("r00000")), ct)));
        Assert.Equal(1, client.Pool.ConnectionsOpened);
    }

    [Fact]
    public async Task Server_side_io_error_is_typed_and_names_the_table()
    {
        await using var client = new HBaseClient(OptionsFor(fixture.Server));
        var missing = B(UniqueName.For("missing"));
        var e = await Assert.ThrowsAsync<HBaseIOException>(async () => await Call(client, c => c.@get(missing, new TGet(B("r")), CancellationToken.None)));
        Assert.Contains("TableNotFoundException", e.Message, StringComparison.Ordinal);
        Assert.False(e.CanRetry);
        Assert.Equal(0, client.Retries);
    }

    [Fact]
    public async Task Large_values_cross_both_transports_intact()
    {
        foreach (var server in new[] { fixture.Server, await fixture.GetFramedServerAsync() })
        {
            await using var client = new HBaseClient(OptionsFor(server));
            var t = B(UniqueName.For("big"));
            var value = new byte[3_000_000];
            new Random(3).NextBytes(value);
            await Call(client, c => c.put(t, new TPut(B("r"), [new TColumnValue(F, B("q"), value) { Timestamp = 5 }]), CancellationToken.None));
            var row = await Call(client, c => c.@get(t, new TGet(B("r")), CancellationToken.None));
            Assert.Equal(value, row.ColumnValues![0].Value);
        }
    }

    [Fact]
    public void Options_reject_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HBaseOptions { MaxMessageSize = 1024 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HBaseOptions { MaxFrameSize = 100 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HBaseOptions { Transport = (HBaseTransport)7 }.Validate());
    }
}
