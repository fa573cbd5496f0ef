using System.Collections.Concurrent;
using System.Data.Common;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.SourceDb;

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
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var schema = parts.Length == 2 ? "@schema" : currentSchemaFunction;
        command.CommandText = "SELECT column_name, data_type, " + fullTypeColumn + ", datetime_precision, numeric_scale, character_maximum_length "
            + $"FROM information_schema.columns WHERE table_schema = {schema} AND table_name = @table";
        AddParameter(command, "table", parts[^1]);
        if (parts.Length == 2)
        {
            AddParameter(command, "schema", parts[0]);
        }
        var columns = new Dictionary<string, SourceColumnType>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var column = Text(reader.GetValue(0));
            columns[column] = new SourceColumnType(
                column,
                Text(reader.GetValue(1)).ToLowerInvariant(),
                reader.IsDBNull(2) ? null : Text(reader.GetValue(2)).ToLowerInvariant(),
                Int(reader, 3),
                Int(reader, 4),
                reader.IsDBNull(5) ? null : Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture));
        }
        return columns.Count > 0 ? columns : throw new InvalidOperationException($"Table {name} was not found in information_schema.columns.");
    }

    /// <summary>Text of an information_schema value (some MySQL versions return these columns as bytes).</summary>
    private static string Text(object value) => value is byte[] bytes
        ? System.Text.Encoding.UTF8.GetString(bytes)
        : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static int? Int(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
