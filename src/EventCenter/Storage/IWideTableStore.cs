namespace FeaturePlatform.EventCenter.Storage;

/// <summary>
/// The HBase-shaped storage contract every event-center table is written against: byte-keyed rows kept in
/// unsigned lexicographic order, family:qualifier cells with timestamped versions. Implemented by the HBase
/// (Thrift2) backend and the embedded backend with the same semantics; one contract test suite checks both.
/// </summary>
/// <remarks>
/// Semantics both backends keep:
/// <list type="bullet">
/// <item>A put of a cell at an existing (row, family, qualifier, timestamp) replaces its value.</item>
/// <item>Reads return, per column, the newest <c>MaxVersions</c> versions inside the time range.</item>
/// <item>Cells older than their family's TTL (by cell timestamp vs. the store's clock) are never returned.</item>
/// <item>A batch either is applied completely or the call throws; the error says which row failed.</item>
/// <item>A row with no visible cells does not exist: gets return null, scans skip it.</item>
/// <item>Bad input (empty or &gt; 32767-byte row keys, put without cells, negative timestamps, invalid specs) throws
/// <see cref="ArgumentException"/> before anything is written (<see cref="StorageValidation"/>); an unknown table
/// throws <see cref="TableNotFoundException"/>, an undeclared family <see cref="NoSuchColumnFamilyException"/>.</item>
/// </list>
/// </remarks>
public interface IWideTableStore : IAsyncDisposable
{
    /// <summary>
    /// Makes sure the table exists with these families. The embedded backend creates it; on HBase table
    /// creation is an admin task, so this verifies the table answers and throws a clear error if not.
    /// </summary>
    ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Writes a batch of puts atomically per batch (embedded) or per row (HBase; retried idempotently).</summary>
    ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default);

    /// <summary>Reads one row; null when it has no visible cells.</summary>
    ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default);

    /// <summary>Reads several rows in one round trip; the result lines up with <paramref name="gets"/>.</summary>
    ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the rows of a key range in order (or reverse order), fetching <see cref="Scan.PageSize"/> rows
    /// per round trip; never loads the whole range. Server-side resources are released when enumeration ends,
    /// fails or is abandoned.
    /// </summary>
    IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, CancellationToken cancellationToken = default);

    /// <summary>Whether scans take an HBase filter-language <see cref="Scan.FilterString"/> (HBase: true). Default: false.</summary>
    bool SupportsFilterString => false;

    /// <summary>Applies a batch of deletes.</summary>
    ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically applies <paramref name="put"/> if the latest value of family:qualifier in <paramref name="row"/>
    /// equals <paramref name="expected"/> (null: the column must be absent; as in HBase, null or empty
    /// <paramref name="expected"/> also matches a latest value that is empty). Returns whether it was applied.
    /// Expired (TTL) cells count as absent.
    /// </summary>
    ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default);
}

/// <summary>A column family's declaration.</summary>
/// <param name="Name">Family name: short printable ASCII, e.g. "e".</param>
/// <param name="MaxVersions">Versions kept per column. Default: 1.</param>
/// <param name="TimeToLive">Cells whose timestamp is older than now minus this are expired. Default: keep forever.</param>
public sealed record FamilySpec(string Name, int MaxVersions = 1, TimeSpan? TimeToLive = null);

/// <summary>A table and its families.</summary>
public sealed record TableSpec(TableName Name, IReadOnlyList<FamilySpec> Families);
