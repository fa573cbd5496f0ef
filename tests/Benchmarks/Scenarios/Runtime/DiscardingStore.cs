using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>A store that accepts writes and keeps nothing: isolates the cost of building records from the cost of storing them.</summary>
internal sealed class DiscardingStore : IWideTableStore
{
    public ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default) => ValueTask.FromResult<RowResult?>(null);

    public ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<RowResult?>>([.. gets.Select(_ => (RowResult?)null)]);

    public async IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
