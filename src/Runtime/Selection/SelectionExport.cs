using FeaturePlatform.Runtime.Exports;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Writes selected rows as a table file through the shared writers (<see cref="TableFiles"/>): <c>key</c>,
/// <c>updated</c> (the row's newest event time), then the chosen columns. Parquet types each column by what it holds
/// (numbers → double, booleans → boolean, timestamps → timestamp, anything mixed → string); CSV writes each value as
/// stored (numbers round-trip, timestamps as written).
/// </summary>
public static class SelectionExport
{
    /// <summary>Rows per Parquet row group.</summary>
    public const int RowGroupSize = 100_000;

    private const int ProgressEvery = 4096;

    /// <summary>The file name extension of <paramref name="format"/>.</summary>
    public static string Extension(ExportFormat format) => TableFiles.Extension(format);

    /// <summary>The Parquet type of a column that held <paramref name="kinds"/>: one kind keeps its type, several become strings.</summary>
    public static ValueKind ColumnType(IReadOnlyList<ValueKind> kinds) => kinds.Count == 1 && kinds[0] != ValueKind.Other ? kinds[0] : ValueKind.String;

    /// <summary>The table's columns: key, updated, then <paramref name="columns"/> typed by <paramref name="types"/> (Parquet) or as text (CSV).</summary>
    public static IReadOnlyList<TableColumn> Columns(ExportFormat format, IReadOnlyList<string> columns, IReadOnlyList<ValueKind> types) =>
    [
        new("key", Exports.ColumnType.String, Nullable: false),
        new("updated", Exports.ColumnType.Timestamp, Nullable: false),
        .. columns.Select((name, i) => new TableColumn(name, format == ExportFormat.Csv ? Exports.ColumnType.String : TypeOf(types[i]))),
    ];

    /// <summary>
    /// Writes <paramref name="rows"/> to a new file at <paramref name="path"/>; <paramref name="written"/> is told the
    /// running count every few thousand rows. Returns the rows written; the file is whole only when this returns.
    /// </summary>
    public static async Task<long> WriteAsync(ExportFormat format, string path, IReadOnlyList<string> columns, IReadOnlyList<ValueKind> types,
        IAsyncEnumerable<SelectedRow> rows, Action<long> written, CancellationToken cancellationToken)
    {
        var table = Columns(format, columns, types);
        await using var writer = await TableFiles.CreateAsync(format, path, table, new ParquetTableOptions { RowGroupRows = RowGroupSize }, cancellationToken);
        long count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var values = new object?[table.Count];
            values[0] = row.Key;
            values[1] = Time(row.Updated);
            for (var i = 0; i < row.Values.Count; i++)
            {
                values[i + 2] = Value(table[i + 2].Type, row.Values[i]);
            }
            await writer.AppendAsync(values, cancellationToken);
            if (++count % ProgressEvery == 0)
            {
                written(count);
            }
        }
        await writer.CompleteAsync(cancellationToken: cancellationToken);
        written(count);
        return count;
    }

    private static Exports.ColumnType TypeOf(ValueKind kind) => kind switch
    {
        ValueKind.Number => Exports.ColumnType.Double,
        ValueKind.Boolean => Exports.ColumnType.Bool,
        ValueKind.Timestamp => Exports.ColumnType.Timestamp,
        _ => Exports.ColumnType.String,
    };

    // A value of another kind than its typed column's (the column changed kind after the export began) is written as null,
    // as Parquet has no place for it; CSV columns are text and keep every value.
    private static object? Value(Exports.ColumnType type, CellValue value) => type switch
    {
        Exports.ColumnType.Double => value.Kind == ValueKind.Number ? value.Number : null,
        Exports.ColumnType.Bool => value.Kind == ValueKind.Boolean ? value.Number != 0 : null,
        Exports.ColumnType.Timestamp => value.Kind == ValueKind.Timestamp ? Time((long)value.Number) : null,
        _ => value.Display(),
    };

    private static DateTime Time(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);
}
