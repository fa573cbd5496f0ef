using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>Export formats of a selection.</summary>
public enum ExportFormat
{
    /// <summary>CSV (RFC 4180): key, updated (ISO 8601), then the chosen columns.</summary>
    Csv,
    /// <summary>Parquet: key (string), updated (timestamp), then each chosen column typed by what it holds (double, boolean, timestamp, else string).</summary>
    Parquet,
}

/// <summary>Writes selected rows as CSV or Parquet.</summary>
public static class SelectionExport
{
    /// <summary>Rows per Parquet row group.</summary>
    public const int RowGroupSize = 100_000;

    /// <summary>The file name extension of <paramref name="format"/>.</summary>
    public static string Extension(ExportFormat format) => format == ExportFormat.Csv ? "csv" : "parquet";

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="output"/>; <paramref name="written"/> is told the running count
    /// every few thousand rows. Returns the rows written.
    /// </summary>
    public static async Task<long> WriteAsync(ExportFormat format, Stream output, IReadOnlyList<string> columns, IReadOnlyList<ValueKind> types,
        IAsyncEnumerable<SelectedRow> rows, Action<long> written, CancellationToken cancellationToken)
    {
        return format == ExportFormat.Csv
            ? await WriteCsvAsync(output, columns, rows, written, cancellationToken)
            : await WriteParquetAsync(output, columns, types, rows, written, cancellationToken);
    }

    /// <summary>The Parquet type of a column that held <paramref name="kinds"/>: one kind keeps its type, several become strings.</summary>
    public static ValueKind ColumnType(IReadOnlyList<ValueKind> kinds) => kinds.Count == 1 && kinds[0] != ValueKind.Other ? kinds[0] : ValueKind.String;

    private static async Task<long> WriteCsvAsync(Stream output, IReadOnlyList<string> columns, IAsyncEnumerable<SelectedRow> rows, Action<long> written, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        await writer.WriteLineAsync(string.Join(',', new[] { "key", "updated" }.Concat(columns).Select(Quote)));
        long count = 0;
        var line = new StringBuilder();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            line.Clear();
            line.Append(Quote(row.Key)).Append(',').Append(Iso(row.Updated));
            foreach (var value in row.Values)
            {
                line.Append(',').Append(value.Display() is { } text ? Quote(text) : "");
            }
            await writer.WriteLineAsync(line, cancellationToken);
            if (++count % 4096 == 0)
            {
                written(count);
            }
        }
        written(count);
        return count;
    }

    private static async Task<long> WriteParquetAsync(Stream output, IReadOnlyList<string> columns, IReadOnlyList<ValueKind> types, IAsyncEnumerable<SelectedRow> rows,
        Action<long> written, CancellationToken cancellationToken)
    {
        var keyField = new DataField<string>("key", false);
        var updatedField = new DataField<DateTime>("updated", false);
        var fields = new DataField[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            fields[i] = types[i] switch
            {
                ValueKind.Number => new DataField<double?>(columns[i]),
                ValueKind.Boolean => new DataField<bool?>(columns[i]),
                ValueKind.Timestamp => new DataField<DateTime?>(columns[i]),
                _ => new DataField<string>(columns[i], true),
            };
        }
        var schema = new ParquetSchema(new Field[] { keyField, updatedField }.Concat(fields));
        await using var writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: cancellationToken);
        var buffer = new List<SelectedRow>(RowGroupSize);
        long count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            buffer.Add(row);
            if (buffer.Count == RowGroupSize)
            {
                await FlushAsync(writer, keyField, updatedField, fields, types, buffer, cancellationToken);
                count += buffer.Count;
                buffer.Clear();
                written(count);
            }
        }
        if (buffer.Count > 0 || count == 0)
        {
            await FlushAsync(writer, keyField, updatedField, fields, types, buffer, cancellationToken);
            count += buffer.Count;
        }
        written(count);
        return count;
    }

    private static async Task FlushAsync(ParquetWriter writer, DataField keyField, DataField updatedField, DataField[] fields, IReadOnlyList<ValueKind> types,
        List<SelectedRow> rows, CancellationToken cancellationToken)
    {
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(keyField, rows.Select(r => r.Key).ToList(), null);
        await group.WriteAsync<DateTime>(updatedField, rows.Select(r => Time(r.Updated)).ToArray(), null, null, cancellationToken);
        for (var i = 0; i < fields.Length; i++)
        {
            var c = i;
            switch (types[c])
            {
                case ValueKind.Number:
                    await group.WriteAsync<double>(fields[c], rows.Select(r => r.Values[c].Kind == ValueKind.Number ? r.Values[c].Number : (double?)null).ToArray(), null, null, cancellationToken);
                    break;
                case ValueKind.Boolean:
                    await group.WriteAsync<bool>(fields[c], rows.Select(r => r.Values[c].Kind == ValueKind.Boolean ? r.Values[c].Number != 0 : (bool?)null).ToArray(), null, null, cancellationToken);
                    break;
                case ValueKind.Timestamp:
                    await group.WriteAsync<DateTime>(fields[c], rows.Select(r => r.Values[c].Kind == ValueKind.Timestamp ? Time((long)r.Values[c].Number) : (DateTime?)null).ToArray(), null, null, cancellationToken);
                    break;
                default:
                    await group.WriteAsync(fields[c], rows.Select(r => r.Values[c].Display()).ToList()!, null);
                    break;
            }
        }
    }

    private static DateTime Time(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
