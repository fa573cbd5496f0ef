using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>
/// Column types of mirrored tables, read once per table from <c>information_schema.columns</c> (the same query
/// answers on PostgreSQL and MySQL/MariaDB) and kept for the life of the database client. A table altered while
/// the platform runs is described again after a restart.
/// </summary>
internal sealed class ColumnTypes(Func<DbConnection> connect, string currentSchemaFunction, string fullTypeColumn)
{
    private readonly ConcurrentDictionary<string, Task<IReadOnlyDictionary<string, SourceColumnType>>> tables = new(StringComparer.Ordinal);

    public Task<IReadOnlyDictionary<string, SourceColumnType>> GetAsync(MirroredTable table, CancellationToken cancellationToken)
    {
        var task = tables.GetOrAdd(table.Table, _ => LoadAsync(table.Table, cancellationToken));
        if (task.IsFaulted || task.IsCanceled)
        {
            tables.TryRemove(new KeyValuePair<string, Task<IReadOnlyDictionary<string, SourceColumnType>>>(table.Table, task));
        }
        return task;
    }

    private async Task<IReadOnlyDictionary<string, SourceColumnType>> LoadAsync(string name, CancellationToken cancellationToken)
    {
        _ = SqlNames.Quote(name, '"'); // validates the name
        var parts = name.Split('.');
        await using var connection = connect();
        var schema = parts.Length == 2 ? "@schema" : currentSchemaFunction;
        // Dapper maps the rows; values are converted below because drivers differ (MySQL may answer these columns as bytes).
        var rows = await connection.QueryAsync<InformationSchemaColumn>(new CommandDefinition(
            "SELECT column_name AS Name, data_type AS DataType, " + fullTypeColumn + " AS FullType, datetime_precision AS DatetimePrecision, "
            + "numeric_scale AS NumericScale, character_maximum_length AS MaxLength "
            + $"FROM information_schema.columns WHERE table_schema = {schema} AND table_name = @table",
            new { table = parts[^1], schema = parts.Length == 2 ? parts[0] : null },
            cancellationToken: cancellationToken));
        var columns = new Dictionary<string, SourceColumnType>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var column = Text(row.Name);
            columns[column] = new SourceColumnType(
                column,
                Text(row.DataType).ToLowerInvariant(),
                row.FullType is null ? null : Text(row.FullType).ToLowerInvariant(),
                Int(row.DatetimePrecision),
                Int(row.NumericScale),
                row.MaxLength is null ? null : Convert.ToInt64(row.MaxLength, System.Globalization.CultureInfo.InvariantCulture));
        }
        return columns.Count > 0 ? columns : throw new InvalidOperationException($"Table {name} was not found in information_schema.columns.");
    }

    /// <summary>Text of an information_schema value (some MySQL versions return these columns as bytes).</summary>
    private static string Text(object? value) => value is byte[] bytes
        ? System.Text.Encoding.UTF8.GetString(bytes)
        : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static int? Int(object? value) =>
        value is null or DBNull ? null : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One row of <c>information_schema.columns</c> as the drivers return it (types differ between them).</summary>
    private sealed class InformationSchemaColumn
    {
        public object Name { get; init; } = "";

        public object DataType { get; init; } = "";

        public object? FullType { get; init; }

        public object? DatetimePrecision { get; init; }

        public object? NumericScale { get; init; }

        public object? MaxLength { get; init; }
    }
}
