using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Storage.Embedded;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>The embedded (SQLite) backend, one fresh directory per store, removed when the store is disposed.</summary>
public sealed class EmbeddedStoreFactory : IWideTableStoreFactory
{
    public Task<IWideTableStore> CreateAsync()
    {
        var directory = TestPaths.NewServerDirectory("embedded-events");
        var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        return Task.FromResult<IWideTableStore>(new DirectoryOwningStore(store, directory));
    }

    public int RandomizedSeeds => 12;

    private sealed class DirectoryOwningStore(IWideTableStore inner, string directory) : IWideTableStore
    {
        public ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default) => inner.EnsureTableAsync(spec, cancellationToken);

        public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default) => inner.PutAsync(table, puts, cancellationToken);

        public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default) => inner.GetAsync(table, get, cancellationToken);

        public ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default) => inner.GetManyAsync(table, gets, cancellationToken);

        public IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default) => inner.ScanAsync(table, scan, cancellationToken);

        public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default) => inner.DeleteAsync(table, deletes, cancellationToken);

        public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default) =>
            inner.CheckAndPutAsync(table, row, family, qualifier, expected, put, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Kept for inspection if something still holds it.
            }
        }
    }
}
