using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>Streams the rows of a sample table line by line; a bad row becomes a <see cref="SampleRowError"/>, never an exception.</summary>
internal static class SampleTableReader
{
    /// <summary>One line's outcome: a row or an error.</summary>
    internal readonly record struct Entry(SampleRow? Row, SampleRowError? Error);

    /// <summary>
    /// The rows of <paramref name="path"/>, in file order. Blank lines are skipped.
    /// </summary>
    /// <exception cref="InvalidDataException">The CSV header lacks the key or time column, or the file is empty.</exception>
    public static async IAsyncEnumerable<Entry> ReadAsync(string path, SampleTableOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
            new FileStreamOptions { Access = FileAccess.Read, Mode = FileMode.Open, Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 64 * 1024 });
        var csv = options.FormatFor(path) == SampleTableFormat.Csv;
        long line = 0;
        (int Key, int Time, int Label, int Width)? header = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            if (!csv)
            {
                yield return ParseJson(line, text, options);
                continue;
            }
            if (header is null)
            {
                header = ParseHeader(path, line, text, options);
                continue;
            }
            yield return ParseCsv(line, text, header.Value);
        }
        if (csv && header is null)
        {
            throw new InvalidDataException($"{path}: empty sample table (a CSV sample table starts with a header row).");
        }
    }

    /// <summary>A cheap upper bound of the row count: the number of lines, less the CSV header.</summary>
    public static async Task<long> CountRowsAsync(string path, SampleTableOptions options, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, new FileStreamOptions { Access = FileAccess.Read, Mode = FileMode.Open, Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 0 });
        var buffer = new byte[64 * 1024];
        long lines = 0;
        var last = (byte)'\n';
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }
        if (last != '\n')
        {
            lines++;
        }
        return options.FormatFor(path) == SampleTableFormat.Csv ? Math.Max(0, lines - 1) : lines;
    }

    private static (int, int, int, int) ParseHeader(string path, long line, string text, SampleTableOptions options)
    {
        if (SplitCsv(text) is not { } columns)
        {
            throw new InvalidDataException($"{path}:{line}: the header row has an unterminated quote.");
        }
        int Find(string name) => columns.FindIndex(c => string.Equals(c.Trim(), name, StringComparison.OrdinalIgnoreCase));
        var key = Find(options.KeyColumn);
        var time = Find(options.TimeColumn);
        if (key < 0 || time < 0)
        {
            throw new InvalidDataException($"{path}:{line}: the header row must name the key column '{options.KeyColumn}' and the time column '{options.TimeColumn}'; it has: {string.Join(", ", columns)}.");
        }
        return (key, time, Find(options.LabelColumn), columns.Count);
    }

    private static Entry ParseCsv(long line, string text, (int Key, int Time, int Label, int Width) header)
    {
        if (SplitCsv(text) is not { } fields)
        {
            return Bad(line, "unterminated quote");
        }
        if (fields.Count != header.Width)
        {
            return Bad(line, $"{fields.Count} fields, the header has {header.Width}");
        }
        var key = fields[header.Key].Trim();
        if (key.Length == 0)
        {
            return Bad(line, "empty key");
        }
        if (!TimeText.TryParse(fields[header.Time].Trim(), out var time))
        {
            return Bad(line, $"time '{fields[header.Time]}' is neither epoch milliseconds nor ISO-8601");
        }
        var label = header.Label < 0 ? null : fields[header.Label];
        return new Entry(new SampleRow(line, key, time, label), null);
    }

    private static Entry ParseJson(long line, string text, SampleTableOptions options)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return Bad(line, $"not JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Bad(line, "not a JSON object");
            }
            if (!root.TryGetProperty(options.KeyColumn, out var keyElement) || ScalarText(keyElement) is not { Length: > 0 } key)
            {
                return Bad(line, $"missing or empty key '{options.KeyColumn}'");
            }
            if (!root.TryGetProperty(options.TimeColumn, out var timeElement))
            {
                return Bad(line, $"missing time '{options.TimeColumn}'");
            }
            long time = 0;
            var timeOk = timeElement.ValueKind == JsonValueKind.Number
                ? timeElement.TryGetInt64(out time)
                : timeElement.ValueKind == JsonValueKind.String && TimeText.TryParse(timeElement.GetString()!, out time);
            if (!timeOk)
            {
                return Bad(line, $"time {timeElement.GetRawText()} is neither epoch milliseconds nor ISO-8601");
            }
            string? label = null;
            if (root.TryGetProperty(options.LabelColumn, out var labelElement) && labelElement.ValueKind != JsonValueKind.Null)
            {
                label = labelElement.ValueKind == JsonValueKind.String ? labelElement.GetString() : labelElement.GetRawText();
            }
            return new Entry(new SampleRow(line, key, time, label), null);
        }
    }

    private static string? ScalarText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!.Trim(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    /// <summary>Splits one CSV line (RFC 4180 quoting, "" inside quotes); null when a quote is not closed.</summary>
    internal static List<string>? SplitCsv(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            return null;
        }
        fields.Add(field.ToString());
        return fields;
    }

    private static Entry Bad(long line, string reason) => new(null, new SampleRowError(line, reason));
}
