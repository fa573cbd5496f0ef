using Parquet;
using Parquet.Schema;

namespace FeaturePlatform.Runtime.Exports;

/// <summary>
/// A typed Parquet table (Parquet.Net, managed code): one column per <see cref="TableColumn"/> with its own physical type
/// (INT64, DOUBLE, BOOLEAN, UTF-8 STRING, timestamp), OPTIONAL where nullable; rows buffered and written as a row group every
/// <see cref="ParquetTableOptions.RowGroupRows"/> rows; file-level key-value metadata written with the footer at
/// <see cref="CompleteAsync"/>. A file whose writer was not completed has no footer and is not readable as Parquet.
/// </summary>
public sealed class ParquetTableWriter : ITableWriter
{
    private readonly FileStream file;
    private readonly ParquetWriter writer;
    private readonly DataField[] fields;
    private readonly List<object?>[] buffer;
    private readonly ParquetTableOptions options;
    private bool completed;

    private ParquetTableWriter(FileStream file, ParquetWriter writer, IReadOnlyList<TableColumn> columns, DataField[] fields, ParquetTableOptions options)
    {
        this.file = file;
        this.writer = writer;
        this.fields = fields;
        this.options = options;
        Columns = columns;
        buffer = [.. columns.Select(_ => new List<object?>())];
    }

    /// <inheritdoc />
    public IReadOnlyList<TableColumn> Columns { get; }

    /// <inheritdoc />
    public long Rows { get; private set; }

    /// <summary>Creates (replacing) the file at <paramref name="path"/> for a table of <paramref name="columns"/>.</summary>
    public static async Task<ParquetTableWriter> CreateAsync(string path, IReadOnlyList<TableColumn> columns, ParquetTableOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0 || columns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != columns.Count)
        {
            throw new ArgumentException("A table needs at least one column and unique column names.", nameof(columns));
        }
        var fields = columns.Select(Field).ToArray();
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        try
        {
            var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, cancellationToken: cancellationToken);
            return new ParquetTableWriter(file, writer, [.. columns], fields, options ?? new ParquetTableOptions());
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(IReadOnlyList<object?> row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ObjectDisposedException.ThrowIf(completed, this);
        if (row.Count != Columns.Count)
        {
            throw new ArgumentException($"A row has {Columns.Count} values (one per column); this one has {row.Count}.", nameof(row));
        }
        var converted = new object?[row.Count];
        for (var i = 0; i < row.Count; i++)
        {
            converted[i] = Columns[i].Convert(row[i]);
            if (converted[i] is null && !Columns[i].Nullable)
            {
                throw new InvalidCastException($"Column '{Columns[i].Name}' is not nullable; a row has no value for it.");
            }
        }
        for (var i = 0; i < converted.Length; i++)
        {
            buffer[i].Add(converted[i]);
        }
        Rows++;
        if (buffer[0].Count >= options.RowGroupRows)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        if (completed)
        {
            return;
        }
        // An empty table still has one (empty) row group: readers then see the schema with zero rows.
        if (buffer[0].Count > 0 || Rows == 0)
        {
            await FlushAsync(cancellationToken);
        }
        if (metadata is not null)
        {
            writer.CustomMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        }
        completed = true;
        await writer.DisposeAsync(); // writes the footer
        if (file.CanWrite)
        {
            await file.FlushAsync(CancellationToken.None);
            file.Flush(flushToDisk: true);
        }
        await file.DisposeAsync();
    }

    /// <summary>Closes the file; a writer not completed leaves a file without a footer (not a Parquet file).</summary>
    public async ValueTask DisposeAsync()
    {
        if (completed)
        {
            return;
        }
        completed = true;
        try
        {
            await writer.DisposeAsync();
        }
        finally
        {
            await file.DisposeAsync();
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        using (var group = writer.CreateRowGroup())
        {
            for (var i = 0; i < fields.Length; i++)
            {
                var values = buffer[i];
                switch (Columns[i].Type)
                {
                    case ColumnType.Int64:
                        await WriteAsync(group, i, values.Select(v => (long?)v).ToArray(), cancellationToken);
                        break;
                    case ColumnType.Double:
                        await WriteAsync(group, i, values.Select(v => (double?)v).ToArray(), cancellationToken);
                        break;
                    case ColumnType.Bool:
                        await WriteAsync(group, i, values.Select(v => (bool?)v).ToArray(), cancellationToken);
                        break;
                    case ColumnType.Timestamp:
                        await WriteAsync(group, i, values.Select(v => (DateTime?)v).ToArray(), cancellationToken);
                        break;
                    default:
                        await group.WriteAsync(fields[i], values.Select(v => (string)v!).ToArray());
                        break;
                }
                values.Clear();
            }
            group.CompleteValidate();
        }
    }

    private Task WriteAsync<T>(ParquetRowGroupWriter group, int column, T?[] values, CancellationToken cancellationToken)
        where T : struct => Columns[column].Nullable
            ? group.WriteAsync<T>(fields[column], values, cancellationToken: cancellationToken)
            : group.WriteAsync<T>(fields[column], values.Select(v => v!.Value).ToArray(), cancellationToken: cancellationToken);

    private static DataField Field(TableColumn column) => column.Type switch
    {
        ColumnType.Int64 => column.Nullable ? new DataField<long?>(column.Name) : new DataField<long>(column.Name),
        ColumnType.Double => column.Nullable ? new DataField<double?>(column.Name) : new DataField<double>(column.Name),
        ColumnType.Bool => column.Nullable ? new DataField<bool?>(column.Name) : new DataField<bool>(column.Name),
        ColumnType.Timestamp => column.Nullable ? new DataField<DateTime?>(column.Name) : new DataField<DateTime>(column.Name),
        _ => new DataField<string>(column.Name, column.Nullable),
    };
}

/// <summary>Settings of a <see cref="ParquetTableWriter"/>.</summary>
public sealed record ParquetTableOptions
{
    /// <summary>Rows per row group (the unit a reader loads at once; memory of the writer's buffer). Default: 65,536.</summary>
    public int RowGroupRows { get; init; } = 65_536;
}
