namespace FeaturePlatform.Runtime.Exports;

/// <summary>The file formats a table is exported in.</summary>
public enum ExportFormat
{
    /// <summary>CSV (RFC 4180, <see cref="CsvTableWriter"/>).</summary>
    Csv,

    /// <summary>Parquet (typed columns, <see cref="ParquetTableWriter"/>).</summary>
    Parquet,
}

/// <summary>
/// The one place that opens table files: every export (selections, slices, backtest hand-off) writes its rows through
/// an <see cref="ITableWriter"/> made here, so CSV and Parquet are each written by one writer.
/// </summary>
public static class TableFiles
{
    /// <summary>The file name extension of <paramref name="format"/> (<c>csv</c>, <c>parquet</c>).</summary>
    public static string Extension(ExportFormat format) => format == ExportFormat.Csv ? "csv" : "parquet";

    /// <summary>Creates (replacing) the file at <paramref name="path"/> for a table of <paramref name="columns"/> in <paramref name="format"/>.</summary>
    public static async Task<ITableWriter> CreateAsync(ExportFormat format, string path, IReadOnlyList<TableColumn> columns, ParquetTableOptions? parquet = null,
        CancellationToken cancellationToken = default) => format switch
    {
        ExportFormat.Csv => CsvTableWriter.Create(path, columns),
        ExportFormat.Parquet => await ParquetTableWriter.CreateAsync(path, columns, parquet, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Csv or Parquet."),
    };
}
