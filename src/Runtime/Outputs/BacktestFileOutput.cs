using System.Globalization;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// A replay's results as files in a run's directory: <c>results.csv</c> (RFC 4180: header row
/// <c>job,key,event_time,event_id,&lt;declared columns…&gt;</c>, CRLF line ends, fields with a comma, quote, CR or LF
/// quoted with inner quotes doubled, UTF-8 without BOM, null as an empty field, event_time in ms since the Unix epoch)
/// and <c>results.jsonl</c> (one <see cref="ResultJson"/> document per line, every value with its type).
/// </summary>
/// <remarks>
/// <para>Concurrent <see cref="WriteAsync"/> calls are serialised; each batch's rows are contiguous in both files.</para>
/// <para>
/// Durability: data is buffered. <see cref="CompleteAsync"/> flushes both files and fsyncs them (fsync of each file's
/// data and metadata; the directory itself is not fsynced): once it returns, the files' contents survive a crash. A replay calls
/// it when the run succeeds; <see cref="DisposeAsync"/> completes first if that was not done, so a disposed output's
/// files are always complete up to the last written batch. Writes after completion throw.
/// </para>
/// <para>Values not among the declared columns appear only in the JSON lines; declared columns a row lacks are empty.</para>
/// </remarks>
public sealed class BacktestFileOutput : IJobOutput
{
    /// <summary>File name of the CSV file.</summary>
    public const string CsvFileName = "results.csv";

    /// <summary>File name of the JSON lines file.</summary>
    public const string JsonLinesFileName = "results.jsonl";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly IReadOnlyList<string> columns;
    private readonly FileStream csv;
    private readonly FileStream jsonLines;
    private readonly bool includeLabel;
    private bool completed;
    private bool disposed;

    /// <summary>Creates the directory if needed and the two files (replacing earlier ones), and writes the CSV header.</summary>
    /// <param name="directory">The run's result directory.</param>
    /// <param name="columns">The job's declared output columns, in order.</param>
    /// <param name="includeLabel">Add a <c>label</c> column after <c>event_id</c> with each sample row's label (sample-table runs).</param>
    public BacktestFileOutput(string directory, IReadOnlyList<string> columns, bool includeLabel = false)
    {
        this.includeLabel = includeLabel;
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(columns);
        Directory = Path.GetFullPath(directory);
        this.columns = [.. columns];
        System.IO.Directory.CreateDirectory(Directory);
        csv = Open(CsvPath);
        try
        {
            jsonLines = Open(JsonLinesPath);
        }
        catch
        {
            csv.Dispose();
            throw;
        }
        var header = new StringBuilder();
        AppendRow(header, includeLabel ? ["job", "key", "event_time", "event_id", "label", .. this.columns] : ["job", "key", "event_time", "event_id", .. this.columns]);
        csv.Write(Utf8.GetBytes(header.ToString()));
    }

    /// <summary>The run's result directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the CSV file.</summary>
    public string CsvPath => Path.Combine(Directory, CsvFileName);

    /// <summary>Path of the JSON lines file.</summary>
    public string JsonLinesPath => Path.Combine(Directory, JsonLinesFileName);

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <inheritdoc />
    public string Name => "backtest:" + Directory;

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        // Formatting happens outside the lock; only the appends are serialised.
        var csvText = new StringBuilder(results.Count * 64);
        using var json = new MemoryStream(results.Count * 160);
        var first = includeLabel ? 5 : 4;
        var fields = new string?[first + columns.Count];
        foreach (var result in results)
        {
            fields[0] = result.Job;
            fields[1] = result.Key;
            fields[2] = result.EventTime.ToString(CultureInfo.InvariantCulture);
            fields[3] = result.Trigger.EventId;
            string? label = null;
            if (includeLabel)
            {
                fields[4] = label = result.Trigger.Headers.GetValueOrDefault(Triggers.Samples.SampleTableTrigger.LabelHeader);
            }
            for (var c = 0; c < columns.Count; c++)
            {
                fields[first + c] = FormatValue(Find(result.Values, columns[c]));
            }
            AppendRow(csvText, fields);
            WriteJsonLine(json, ResultJson.Serialize(result), label);
        }
        var csvBytes = Utf8.GetBytes(csvText.ToString());
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (completed)
            {
                throw new InvalidOperationException($"Backtest output {Directory} is completed; no more results can be written.");
            }
            // Not cancellable once started: a half-written row would corrupt the file.
            await csv.WriteAsync(csvBytes, CancellationToken.None);
            await jsonLines.WriteAsync(json.GetBuffer().AsMemory(0, (int)json.Length), CancellationToken.None);
            Rows += results.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// One result document and a newline; a sample row's label goes in as a top-level <c>label</c> (the document is a
    /// JSON object, so its closing brace is replaced by the property and the brace).
    /// </summary>
    private static void WriteJsonLine(MemoryStream json, byte[] document, string? label)
    {
        if (label is null)
        {
            json.Write(document);
        }
        else
        {
            json.Write(document.AsSpan(0, document.AsSpan().LastIndexOf((byte)'}')));
            json.Write(Utf8.GetBytes(",\"label\":"));
            json.Write(JsonSerializer.SerializeToUtf8Bytes(label));
            json.WriteByte((byte)'}');
        }
        json.WriteByte((byte)'\n');
    }

    /// <summary>Flushes both files and fsyncs them; idempotent. No results can be written afterwards.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            await CompleteLockedAsync();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (disposed)
            {
                return;
            }
            try
            {
                await CompleteLockedAsync();
            }
            finally
            {
                disposed = true;
                await csv.DisposeAsync();
                await jsonLines.DisposeAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask CompleteLockedAsync()
    {
        if (completed)
        {
            return;
        }
        await csv.FlushAsync(CancellationToken.None);
        await jsonLines.FlushAsync(CancellationToken.None);
        // FileStream.Flush(true) is the fsync; run off the caller's thread as it blocks.
        await Task.Run(() =>
        {
            csv.Flush(flushToDisk: true);
            jsonLines.Flush(flushToDisk: true);
        });
        completed = true;
    }

    private static FileStream Open(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.Read, Options = FileOptions.Asynchronous, BufferSize = 64 * 1024 });

    private static object? Find(IReadOnlyList<KeyValuePair<string, object?>> values, string column)
    {
        foreach (var (name, value) in values)
        {
            if (name == column)
            {
                return value;
            }
        }
        return null;
    }

    private static string? FormatValue(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Appends one RFC 4180 record (CRLF-terminated); null and empty fields are both written empty.</summary>
    internal static void AppendRow(StringBuilder builder, IReadOnlyList<string?> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }
            var field = fields[i];
            if (string.IsNullOrEmpty(field))
            {
                continue;
            }
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                builder.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                builder.Append(field);
            }
        }
        builder.Append("\r\n");
    }
}
