using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Testing.Storage;

/// <summary>
/// Passes every call to a real <see cref="IWideTableStore"/> and counts it, per table and kind, so tests and
/// benchmarks can say how many storage calls (and cells) a piece of behaviour costs.
/// </summary>
public sealed class CountingWideTableStore(IWideTableStore inner) : IWideTableStore
{
    private readonly ConcurrentDictionary<(string Table, StoreCall Call), long> calls = new();
    private readonly ConcurrentDictionary<(string Table, string Family), long> cellsPut = new();

    /// <summary>The store calls pass to.</summary>
    public IWideTableStore Inner { get; } = inner;

    /// <summary>Calls that write (put, delete, check-and-put) so far, over every table.</summary>
    public long Writes => calls.Where(c => c.Key.Call is StoreCall.Put or StoreCall.Delete or StoreCall.CheckAndPut).Sum(c => c.Value);

    /// <summary>Calls that read (get, get-many, scan) so far, over every table.</summary>
    public long Reads => calls.Where(c => c.Key.Call is StoreCall.Get or StoreCall.GetMany or StoreCall.Scan).Sum(c => c.Value);

    /// <summary>Calls of one kind on tables whose name contains <paramref name="tableContains"/> (null: all).</summary>
    public long Count(StoreCall call, string? tableContains = null) =>
        calls.Where(c => c.Key.Call == call && (tableContains is null || c.Key.Table.Contains(tableContains, StringComparison.Ordinal))).Sum(c => c.Value);

    /// <summary>Cells put (by put or check-and-put) into <paramref name="family"/> of tables whose name contains <paramref name="tableContains"/>.</summary>
    public long CellsPut(string family, string? tableContains = null) =>
        cellsPut.Where(c => c.Key.Family == family && (tableContains is null || c.Key.Table.Contains(tableContains, StringComparison.Ordinal))).Sum(c => c.Value);

    /// <summary>Every count, "table kind=n", for failure messages.</summary>
    public string Describe() => string.Join(", ", calls.OrderBy(c => c.Key.Table).Select(c => $"{c.Key.Table} {c.Key.Call}={c.Value}"));

    /// <inheritdoc />
    public ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default) => Inner.EnsureTableAsync(spec, cancellationToken);

    /// <inheritdoc />
    public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.Put);
        AddCells(table, puts);
        return Inner.PutAsync(table, puts, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.Get);
        return Inner.GetAsync(table, get, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.GetMany);
        return Inner.GetManyAsync(table, gets, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.Scan);
        return Inner.ScanAsync(table, scan, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.Delete);
        return Inner.DeleteAsync(table, deletes, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default)
    {
        Add(table, StoreCall.CheckAndPut);
        AddCells(table, [put]);
        return Inner.CheckAndPutAsync(table, row, family, qualifier, expected, put, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    private void Add(TableName table, StoreCall call) => calls.AddOrUpdate((table.Qualified, call), 1, (_, n) => n + 1);

    private void AddCells(TableName table, IReadOnlyList<Put> puts)
    {
        foreach (var put in puts)
        {
            foreach (var cell in put.Cells)
            {
                cellsPut.AddOrUpdate((table.Qualified, System.Text.Encoding.ASCII.GetString(cell.Family)), 1, (_, n) => n + 1);
            }
        }
    }
}

/// <summary>Kinds of storage calls <see cref="CountingWideTableStore"/> counts.</summary>
public enum StoreCall
{
    /// <summary>PutAsync (one batch).</summary>
    Put,

    /// <summary>GetAsync.</summary>
    Get,

    /// <summary>GetManyAsync.</summary>
    GetMany,

    /// <summary>ScanAsync.</summary>
    Scan,

    /// <summary>DeleteAsync (one batch).</summary>
    Delete,

    /// <summary>CheckAndPutAsync.</summary>
    CheckAndPut,
}
