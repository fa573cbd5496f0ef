using System.Globalization;
using System.Text;

namespace FeaturePlatform.Runtime.Exports;

/// <summary>
/// A table as RFC 4180 CSV (as the backtest files: header row, CRLF line ends, fields with a comma, quote, CR or LF
/// quoted with inner quotes doubled, UTF-8 without BOM, null as an empty field; doubles round-trip, timestamps ISO 8601 UTC, booleans as
/// <c>true</c>/<c>false</c>). CSV has no place for metadata: <see cref="CompleteAsync"/> ignores it.
/// </summary>
public sealed class CsvTableWriter : ITableWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly FileStream file;
    private readonly StringBuilder pending = new();
    private bool completed;

    private CsvTableWriter(FileStream file, IReadOnlyList<TableColumn> columns)
    {
        this.file = file;
        Columns = columns;
        Outputs.BacktestFileOutput.AppendRow(pending, [.. columns.Select(c => c.Name)]);
    }

    /// <inheritdoc />
    public IReadOnlyList<TableColumn> Columns { get; }

    /// <inheritdoc />
    public long Rows { get; private set; }

    /// <summary>Creates (replacing) the file at <paramref name="path"/> and writes the header.</summary>
    public static CsvTableWriter Create(string path, IReadOnlyList<TableColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new CsvTableWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous), [.. columns]);
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
        var fields = new string?[row.Count];
        for (var i = 0; i < row.Count; i++)
        {
            fields[i] = Columns[i].Convert(row[i]) switch
            {
                null => null,
                bool b => b ? "true" : "false",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                long l => l.ToString(CultureInfo.InvariantCulture),
                DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                var other => (string)other,
            };
        }
        Outputs.BacktestFileOutput.AppendRow(pending, fields);
        Rows++;
        if (pending.Length >= 64 * 1024)
        {
            await WritePendingAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        if (completed)
        {
            return;
        }
        await WritePendingAsync(cancellationToken);
        completed = true;
        await file.FlushAsync(CancellationToken.None);
        file.Flush(flushToDisk: true);
        await file.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!completed)
        {
            completed = true;
            await file.DisposeAsync();
        }
    }

    private async Task WritePendingAsync(CancellationToken cancellationToken)
    {
        await file.WriteAsync(Utf8.GetBytes(pending.ToString()), cancellationToken);
        pending.Clear();
    }
}
