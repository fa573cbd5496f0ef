using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Adapters.Postgres;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.EventCenter.Tests.MetadataStore;

/// <summary>The one contract of <see cref="IMetadataStore"/>, run against every backend.</summary>
public abstract class MetadataStoreContractTests : IAsyncLifetime
{
    private IMetadataStore? store;

    private IMetadataStore Store => store!;

    protected abstract Task<IMetadataStore> OpenAsync();

    protected abstract Task CloseAsync();

    public async Task InitializeAsync()
    {
        store = await OpenAsync();
        await store.EnsureAsync();
        await store.EnsureAsync(); // idempotent
    }

    public Task DisposeAsync() => CloseAsync();

    [Fact]
    public async Task A_created_record_is_read_back_and_listed_by_kind_in_name_order()
    {
        Assert.Null(await Store.GetAsync("source", "orders"));
        Assert.Equal(0, await Store.GetRevisionAsync("source"));
        var b = await Store.WriteAsync("source", "b-orders", "{\"n\":2}", MetadataExpectation.None, "alice");
        var a = await Store.WriteAsync("source", "a-orders", "{\"n\":1}", MetadataExpectation.None, "bob");
        await Store.WriteAsync("schema", "a-orders", "{}", MetadataExpectation.None, "ingestion");

        var read = await Store.GetAsync("source", "a-orders");
        Assert.Equal(a, read);
        Assert.Equal("{\"n\":1}", read!.Json);
        Assert.Equal("bob", read.ChangedBy);
        Assert.True(read.ChangedAt > 0);
        Assert.Equal(["a-orders", "b-orders"], (await Store.ListAsync("source")).Select(r => r.Name));
        Assert.Equal(["a-orders"], (await Store.ListAsync("schema")).Select(r => r.Name));
        Assert.True(a.Revision > b.Revision);
        Assert.Equal(a.Revision, await Store.GetRevisionAsync("source"));
    }

    [Fact]
    public async Task Revisions_of_a_kind_strictly_increase_across_names_and_updates()
    {
        var revisions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            revisions.Add((await Store.WriteAsync("source", $"s{i % 2}", $"{{\"i\":{i}}}", MetadataExpectation.Any, "alice")).Revision);
        }
        Assert.Equal(revisions.Order(), revisions);
        Assert.Equal(revisions.Count, revisions.Distinct().Count());
        Assert.Equal("{\"i\":4}", (await Store.GetAsync("source", "s0"))!.Json);
    }

    [Fact]
    public async Task A_write_whose_expectation_does_not_match_changes_nothing_and_names_what_is_stored()
    {
        var first = await Store.WriteAsync("source", "orders", "{\"v\":1}", MetadataExpectation.None, "alice");
        var exists = await Assert.ThrowsAsync<MetadataConflictException>(() => Store.WriteAsync("source", "orders", "{\"v\":9}", MetadataExpectation.None, "bob").AsTask());
        Assert.Equal(first.Revision, exists.Stored!.Revision);
        var second = await Store.WriteAsync("source", "orders", "{\"v\":2}", MetadataExpectation.At(first.Revision), "bob");
        var stale = await Assert.ThrowsAsync<MetadataConflictException>(() => Store.WriteAsync("source", "orders", "{\"v\":3}", MetadataExpectation.At(first.Revision), "carol").AsTask());
        Assert.Contains($"revision {second.Revision}", stale.Message, StringComparison.Ordinal);
        Assert.Equal(second, await Store.GetAsync("source", "orders"));
        await Assert.ThrowsAsync<MetadataConflictException>(() => Store.WriteAsync("source", "missing", "{}", MetadataExpectation.At(1), "carol").AsTask());
        Assert.Null(await Store.GetAsync("source", "missing"));
    }

    [Fact]
    public async Task A_delete_leaves_a_tombstone_that_a_create_replaces()
    {
        var created = await Store.WriteAsync("source", "orders", "{\"v\":1}", MetadataExpectation.None, "alice");
        var deleted = await Store.WriteAsync("source", "orders", null, MetadataExpectation.At(created.Revision), "bob");
        Assert.True(deleted.Deleted);
        var read = await Store.GetAsync("source", "orders");
        Assert.True(read!.Deleted);
        Assert.Null(read.Json);
        Assert.Equal("bob", read.ChangedBy);
        Assert.Single(await Store.ListAsync("source"), r => r.Deleted);
        var again = await Store.WriteAsync("source", "orders", "{\"v\":2}", MetadataExpectation.None, "carol");
        Assert.False((await Store.GetAsync("source", "orders"))!.Deleted);
        Assert.True(again.Revision > deleted.Revision);
    }

    [Fact]
    public async Task Concurrent_conditional_writers_never_lose_an_update()
    {
        await Store.WriteAsync("counter", "c", "0", MetadataExpectation.None, "init");
        async Task IncrementAsync(int times)
        {
            for (var i = 0; i < times; i++)
            {
                while (true)
                {
                    var current = (await Store.GetAsync("counter", "c"))!;
                    try
                    {
                        await Store.WriteAsync("counter", "c", (long.Parse(current.Json!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                            MetadataExpectation.At(current.Revision), "w");
                        break;
                    }
                    catch (MetadataConflictException)
                    {
                        // lost the race: read again
                    }
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => IncrementAsync(10))));
        Assert.Equal("40", (await Store.GetAsync("counter", "c"))!.Json);
    }

    [Fact]
    public async Task Bad_names_are_refused_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync("source", "", "{}", MetadataExpectation.Any, "a").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync("source", "a\0b", "{}", MetadataExpectation.Any, "a").AsTask());
        Assert.Empty(await Store.ListAsync("source"));
    }
}

/// <summary>The contract on the embedded backend: a table of an embedded (SQLite) wide-table store.</summary>
public sealed class EmbeddedMetadataStoreTests : MetadataStoreContractTests
{
    private readonly string directory = TestPaths.NewServerDirectory("metadata-embedded");
    private EmbeddedWideTableStore? store;

    protected override Task<IMetadataStore> OpenAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        return Task.FromResult<IMetadataStore>(new WideTableMetadataStore(store));
    }

    protected override async Task CloseAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
        }
        Directory.Delete(directory, recursive: true);
    }
}

/// <summary>The contract on PostgreSQL (the real server of the fixture; a fresh database per test).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMetadataStoreTests(PostgresFixture postgres) : MetadataStoreContractTests
{
    private PostgresMetadataStore? store;

    protected override async Task<IMetadataStore> OpenAsync()
    {
        store = new PostgresMetadataStore(await postgres.Server.CreateDatabaseAsync("metadata"));
        return store;
    }

    protected override async Task CloseAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
        }
    }
}
