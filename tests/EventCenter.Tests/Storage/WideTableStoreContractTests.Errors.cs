using FeaturePlatform.EventCenter.Storage;
namespace FeaturePlatform.EventCenter.Tests.Storage;

public abstract partial class WideTableStoreContractTests
{
    [Fact]
    public async Task Empty_row_key_is_rejected_and_no_part_of_the_batch_is_written()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => PutAsync(store, t, P("ok1", C("f", "q", T0, "v")), new Put([], [C("f", "q", T0, "v")]), P("ok2", C("f", "q", T0, "v"))));

        Assert.Contains("#1", e.Message, StringComparison.Ordinal);
        Assert.Empty(await ScanAllAsync(store, t, new Scan()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(t, new Get([])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.DeleteAsync(t, [new Delete([])]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CheckAndPutAsync(t, [], B("f"), B("q"), null, new Put([], [C("f", "q", T0, "v")])));
    }

    [Fact]
    public async Task Oversized_row_key_is_rejected_and_the_largest_allowed_key_works()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);
        var largest = Enumerable.Repeat((byte)'k', StorageValidation.MaxRowKeyLength).ToArray();
        var tooLarge = Enumerable.Repeat((byte)'k', StorageValidation.MaxRowKeyLength + 1).ToArray();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(t, [P("ok", C("f", "q", T0, "v")), new Put(tooLarge, [C("f", "q", T0, "v")])]).AsTask());
        Assert.Contains("32767", e.Message, StringComparison.Ordinal);
        Assert.Empty(await ScanAllAsync(store, t, new Scan()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(t, new Get(tooLarge)));

        await store.PutAsync(t, [new Put(largest, [C("f", "q", T0, "v")])]);
        Assert.Equal(largest, (await store.GetAsync(t, new Get(largest)))!.Row);
        Assert.Equal(largest, Assert.Single(await ScanAllAsync(store, t, new Scan { Prefix = largest[..100] })).Row);
    }

    [Fact]
    public async Task Invalid_puts_and_reads_are_rejected_with_argument_errors()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        await Assert.ThrowsAsync<ArgumentException>(() => PutAsync(store, t, new Put(B("r"), [])));
        await Assert.ThrowsAsync<ArgumentException>(() => PutAsync(store, t, P("r", C("f", "q", -1, "v"))));
        await Assert.ThrowsAsync<ArgumentException>(() => PutAsync(store, t, P("r", new Cell([], B("q"), T0, B("v")))));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(t, new Get(B("r")) { MaxVersions = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(t, new Get(B("r")) { TimeRange = new(10, 5) }));
        await Assert.ThrowsAsync<ArgumentException>(() => ScanAllAsync(store, t, new Scan { PageSize = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => ScanAllAsync(store, t, new Scan { Limit = -1 }));
        Assert.Empty(await ScanAllAsync(store, t, new Scan()));
    }

    [Fact]
    public async Task Unknown_table_gives_a_typed_error_for_every_operation()
    {
        await using var store = await CreateStoreAsync();
        await NewTableAsync(store);
        var missing = new TableName(TableNamespace, Testing.Infrastructure.UniqueName.For("missing"));

        var e = await Assert.ThrowsAsync<TableNotFoundException>(() => PutAsync(store, missing, P("r", C("f", "q", T0, "v"))));
        Assert.Equal(missing, e.Table);
        Assert.Contains(missing.Name, e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.GetAsync(missing, new Get(B("r"))));
        await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.GetManyAsync(missing, [new Get(B("r"))]));
        await Assert.ThrowsAsync<TableNotFoundException>(() => ScanAllAsync(store, missing, new Scan()));
        await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.DeleteAsync(missing, [new Delete(B("r"))]));
        await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.CheckAndPutAsync(missing, B("r"), B("f"), B("q"), null, P("r", C("f", "q", T0, "v"))));
    }

    [Fact]
    public async Task Put_into_an_undeclared_family_gives_a_typed_error_and_writes_nothing()
    {
        await using var store = await CreateStoreAsync();
        var t = await NewTableAsync(store);

        var e = await Assert.ThrowsAsync<NoSuchColumnFamilyException>(() => PutAsync(store, t, P("r", C("f", "q", T0, "v"), C("nope", "q", T0, "v"))));

        Assert.Equal("nope", e.Family);
        Assert.Null(await store.GetAsync(t, new Get(B("r"))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading")]
    [InlineData(".leading")]
    [InlineData("a:b:c")]
    [InlineData("ümlaut")]
    [InlineData("ns:")]
    [InlineData(":name")]
    public void Invalid_table_names_are_rejected(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => TableName.Parse(name));

    [Fact]
    public void Valid_table_names_parse_with_and_without_namespace()
    {
        var plain = TableName.Parse("events_hot.v1-a");
        Assert.Null(plain.Namespace);
        Assert.Equal("events_hot.v1-a", plain.Qualified);
        var qualified = TableName.Parse("fp:events");
        Assert.Equal("fp", qualified.Namespace);
        Assert.Equal("events", qualified.Name);
        Assert.Equal("fp:events", qualified.ToString());
        Assert.Equal(qualified, new TableName("fp", "events"));
        Assert.Throws<ArgumentException>(() => new TableName(null, new string('a', 129)));
    }

    [Fact]
    public async Task Invalid_table_specs_are_rejected()
    {
        await using var store = await CreateStoreAsync();
        var name = new TableName(TableNamespace, Testing.Infrastructure.UniqueName.For("spec"));

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EnsureTableAsync(new TableSpec(name, [])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EnsureTableAsync(new TableSpec(name, [new FamilySpec("f"), new FamilySpec("f")])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EnsureTableAsync(new TableSpec(name, [new FamilySpec("f", MaxVersions: 0)])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EnsureTableAsync(new TableSpec(name, [new FamilySpec("a:b")])));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EnsureTableAsync(new TableSpec(name, [new FamilySpec("f", TimeToLive: TimeSpan.Zero)])));
        await Assert.ThrowsAsync<TableNotFoundException>(async () => await store.GetAsync(name, new Get(B("r"))));
    }
}
