using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>Passes every call to a backend store, with hooks before EnsureTable (admin create) and after dispose (cleanup).</summary>
internal sealed class DelegatingStore(IWideTableStore inner, Func<TableSpec, Task>? beforeEnsure = null, Action? onDispose = null) : IWideTableStore
{
    public async ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
    {
        if (beforeEnsure is not null)
        {
            await beforeEnsure(spec);
        }
        await inner.EnsureTableAsync(spec, cancellationToken);
    }

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
        onDispose?.Invoke();
    }
}
