using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>
/// An HBase store on the Thrift fixture whose EnsureTable first creates the table through the fixture's admin path
/// (HBase shell's create), as an administrator would, then lets the store verify it.
/// </summary>
internal sealed class AdminCreatingStore(HBaseThriftServer server) : IWideTableStore
{
    private readonly HBaseWideTableStore inner = new(new HBaseOptions
    {
        Port = server.Port,
        Transport = server.Options.Transport == HBaseThriftTransport.Framed ? HBaseTransport.Framed : HBaseTransport.Buffered,
        ReadTimeout = TimeSpan.FromSeconds(20),
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
    });

    public async ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
    {
        await server.CreateTableAsync(new HBaseTableSpec(spec.Name.Qualified, [.. spec.Families.Select(f => new HBaseFamilySpec(f.Name, f.MaxVersions, f.TimeToLive))]), cancellationToken);
        await inner.EnsureTableAsync(spec, cancellationToken);
    }

    public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default) => inner.PutAsync(table, puts, cancellationToken);

    public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default) => inner.GetAsync(table, get, cancellationToken);

    public ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default) => inner.GetManyAsync(table, gets, cancellationToken);

    public IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default) => inner.ScanAsync(table, scan, cancellationToken);

    public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default) => inner.DeleteAsync(table, deletes, cancellationToken);

    public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default) =>
        inner.CheckAndPutAsync(table, row, family, qualifier, expected, put, cancellationToken);

    public bool SupportsFilterString => inner.SupportsFilterString;

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
