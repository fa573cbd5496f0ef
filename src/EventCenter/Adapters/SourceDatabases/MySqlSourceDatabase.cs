using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using Dapper;
using MySqlConnector;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>A MySQL or MariaDB source database through MySqlConnector.</summary>
public sealed class MySqlSourceDatabase : ISourceDatabase
{
    private readonly string connectionString;
    private readonly ColumnTypes columnTypes;

    /// <summary>Connects with <paramref name="connectionString"/> (MySqlConnector format; MariaDB's utf8mb3 columns need no workaround).</summary>
    public MySqlSourceDatabase(string connectionString)
    {
        this.connectionString = connectionString;
        columnTypes = new ColumnTypes(() => new MySqlConnection(connectionString), "DATABASE()", "column_type");
    }

    /// <inheritdoc />
    public async Task<SourceRow?> ReadRowAsync(MirroredTable table, string entityKey, CancellationToken cancellationToken = default)
    {
        var parts = table.KeyColumns.Count == 1 ? [entityKey] : entityKey.Split('|');
        if (parts.Length != table.KeyColumns.Count)
        {
            throw new ArgumentException($"Key '{entityKey}' has {parts.Length} parts; table {table.Table} has {table.KeyColumns.Count} key columns.");
        }
        var types = await columnTypes.GetAsync(table, cancellationToken);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // TIMESTAMP columns are read in UTC (the session time zone would otherwise shift them), as CDC tools report them.
        command.CommandText = $"SET time_zone = '+00:00'; SELECT * FROM {SqlNames.Quote(table.Table, '`')} WHERE "
            + string.Join(" AND ", table.KeyColumns.Select((c, i) => $"{SqlNames.Quote(c, '`')} = @k{i}")) + " LIMIT 1";
        for (var i = 0; i < parts.Length; i++)
        {
            command.Parameters.AddWithValue($"@k{i}", parts[i]);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? RowJson.Read(reader, table.KeyColumns, table.TimeColumn, types) : null;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceRow> ReadAllAsync(MirroredTable table, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var keys = string.Join(", ", table.KeyColumns.Select(c => SqlNames.Quote(c, '`')));
        var from = SqlNames.Quote(table.Table, '`');
        object[]? last = null;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // TIMESTAMP columns (a change-time column among them) are read in UTC, as ReadRowAsync and CDC tools read them.
        _ = await connection.ExecuteAsync(new CommandDefinition("SET time_zone = '+00:00'", cancellationToken: cancellationToken));
        while (true)
        {
            await using var command = connection.CreateCommand();
            var after = last is null ? "" : $"WHERE ({keys}) > ({string.Join(", ", table.KeyColumns.Select((_, i) => $"@k{i}"))}) ";
            command.CommandText = $"SELECT * FROM {from} {after}ORDER BY {keys} LIMIT {pageSize}";
            for (var i = 0; last is not null && i < last.Length; i++)
            {
                command.Parameters.AddWithValue($"@k{i}", last[i]);
            }
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows++;
                    last = table.KeyColumns.Select(c => reader.GetValue(reader.GetOrdinal(c))).ToArray();
                    yield return RowJson.Read(reader, table.KeyColumns, table.TimeColumn);
                }
            }
            if (rows < pageSize)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc />
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        _ = await connection.ExecuteScalarAsync(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }
}
