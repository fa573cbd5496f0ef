using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>A PostgreSQL source database through Npgsql. Key values are sent untyped so PostgreSQL infers the column types and uses the primary-key index.</summary>
public sealed class PostgresSourceDatabase(string connectionString) : ISourceDatabase
{
    private readonly ColumnTypes columnTypes = new(() => new NpgsqlConnection(connectionString), "current_schema()", "NULL");

    /// <inheritdoc />
    public async Task<SourceRow?> ReadRowAsync(MirroredTable table, string entityKey, CancellationToken cancellationToken = default)
    {
        var parts = SplitKey(table, entityKey);
        var types = await columnTypes.GetAsync(table, cancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {SqlNames.Quote(table.Table, '"')} WHERE "
            + string.Join(" AND ", table.KeyColumns.Select((c, i) => $"{SqlNames.Quote(c, '"')} = @k{i}")) + " LIMIT 1";
        AddKeyParameters(command, parts);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? RowJson.Read(reader, table.KeyColumns, table.TimeColumn, types) : null;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceRow> ReadAllAsync(MirroredTable table, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var keys = string.Join(", ", table.KeyColumns.Select(c => SqlNames.Quote(c, '"')));
        var from = SqlNames.Quote(table.Table, '"');
        string[]? last = null;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        while (true)
        {
            await using var command = connection.CreateCommand();
            var after = last is null ? "" : $"WHERE ({keys}) > ({string.Join(", ", table.KeyColumns.Select((_, i) => $"@k{i}"))}) ";
            command.CommandText = $"SELECT * FROM {from} {after}ORDER BY {keys} LIMIT {pageSize}";
            if (last is not null)
            {
                AddKeyParameters(command, last);
            }
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows++;
                    last = table.KeyColumns.Select(c => RowJson.KeyText(reader.GetValue(reader.GetOrdinal(c)))).ToArray();
                    yield return RowJson.Read(reader, table.KeyColumns, table.TimeColumn);
                }
            }
            if (rows < pageSize)
            {
                yield break;
            }
        }
    }

    private static string[] SplitKey(MirroredTable table, string entityKey)
    {
        var parts = table.KeyColumns.Count == 1 ? [entityKey] : entityKey.Split('|');
        return parts.Length == table.KeyColumns.Count
            ? parts
            : throw new ArgumentException($"Key '{entityKey}' has {parts.Length} parts; table {table.Table} has {table.KeyColumns.Count} key columns.");
    }

    private static void AddKeyParameters(NpgsqlCommand command, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.Add(new NpgsqlParameter($"k{i}", NpgsqlDbType.Unknown) { Value = values[i] });
        }
    }

    /// <inheritdoc />
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        _ = await connection.ExecuteScalarAsync(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }
}
