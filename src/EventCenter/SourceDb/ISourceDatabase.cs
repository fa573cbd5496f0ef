using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.SourceDb;

/// <summary>
/// Read access to a source database (the system of record a CDC source mirrors): single rows by entity key for
/// fetch-strong no-delay reads, and every row in key order for offline correction.
/// </summary>
public interface ISourceDatabase
{
    /// <summary>
    /// The row of <paramref name="table"/> whose key columns joined with '|' equal <paramref name="entityKey"/>, or null;
    /// with its typed <see cref="SourceRow.Values"/>.
    /// </summary>
    Task<SourceRow?> ReadRowAsync(MirroredTable table, string entityKey, CancellationToken cancellationToken = default);

    /// <summary>Every row of <paramref name="table"/> in key order, read in pages of <paramref name="pageSize"/> (keyset pagination).</summary>
    IAsyncEnumerable<SourceRow> ReadAllAsync(MirroredTable table, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Connects and runs a trivial query; throws the driver's error when the database does not answer (health probes).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>A source-database row.</summary>
/// <param name="EntityKey">Key columns' values joined with '|' (as the CDC parsers build entity keys).</param>
/// <param name="Json">The row as a UTF-8 JSON object, column name → value.</param>
/// <param name="ChangedAt">The row's <see cref="MirroredTable.TimeColumn"/> in ms since the Unix epoch, when configured.</param>
public sealed record SourceRow(string EntityKey, byte[] Json, long? ChangedAt)
{
    /// <summary>
    /// The row's values as the driver returned them, with their column types, in column order; filled by
    /// <see cref="ISourceDatabase.ReadRowAsync"/> (what no-delay reads convert into CDC images), empty for
    /// <see cref="ISourceDatabase.ReadAllAsync"/>.
    /// </summary>
    public IReadOnlyList<SourceValue> Values { get; init; } = [];
}

/// <summary>Kinds of source database.</summary>
public enum SourceDatabaseKind
{
    /// <summary>PostgreSQL (Npgsql).</summary>
    Postgres,

    /// <summary>MySQL or MariaDB (MySqlConnector).</summary>
    MySql,
}

/// <summary>A named source-database connection (section <c>EventCenter:SourceDatabases:&lt;name&gt;</c>).</summary>
public sealed record SourceDatabaseSettings
{
    /// <summary>Database kind. Default: Postgres.</summary>
    public SourceDatabaseKind Kind { get; init; } = SourceDatabaseKind.Postgres;

    /// <summary>ADO.NET connection string (read-only credentials suffice). Required.</summary>
    public string ConnectionString { get; init; } = "";
}
