namespace FeaturePlatform.Runtime.Exports;

/// <summary>
/// Writes a table row by row to a file (Parquet or CSV). Rows are buffered; <see cref="CompleteAsync"/> writes what is
/// left, the file's footer and metadata, and fsyncs it: only a completed file is whole. Not thread-safe: one writer.
/// </summary>
public interface ITableWriter : IAsyncDisposable
{
    /// <summary>The table's columns, in order.</summary>
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>Rows appended so far.</summary>
    long Rows { get; }

    /// <summary>Appends one row: one value per column, in column order (converted by <see cref="TableColumn.Convert"/>).</summary>
    /// <exception cref="InvalidCastException">A value does not fit its column's type.</exception>
    ValueTask AppendAsync(IReadOnlyList<object?> row, CancellationToken cancellationToken = default);

    /// <summary>Writes the rest and closes the file; idempotent. <paramref name="metadata"/> goes into the file where the format has a place for it.</summary>
    ValueTask CompleteAsync(IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
