using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Replay.Backtests;

/// <summary>A result row of a backtest as the API returns it.</summary>
/// <param name="Key">Entity key.</param>
/// <param name="EventTime">Event time, ms since the Unix epoch.</param>
/// <param name="EventId">The trigger event's id.</param>
/// <param name="Values">Column → value.</param>
/// <param name="Label">The sample row's label (sample-table runs whose table has labels), else null.</param>
public sealed record BacktestRowJson(string Key, long EventTime, string EventId, IReadOnlyDictionary<string, JsonElement> Values, string? Label = null)
{
    /// <summary>The model versions the row was computed with (model → version), for jobs that declare models; else absent.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Models { get; init; }
}

/// <summary>A key of a run's results and how many rows it has.</summary>
public sealed record BacktestKeyJson(string Key, long Rows);

/// <summary>A frequent value of a column and how often it occurs.</summary>
public sealed record TopValueJson(JsonElement Value, long Count);

/// <summary>Summary statistics of one feature column over all result rows.</summary>
/// <param name="Name">Column.</param>
/// <param name="Count">Non-null values.</param>
/// <param name="Nulls">Null or missing values.</param>
/// <param name="Min">Smallest number (numeric values only).</param>
/// <param name="Max">Largest number.</param>
/// <param name="Mean">Mean of the numbers.</param>
/// <param name="Top">Most frequent non-numeric values (strings, booleans), most frequent first.</param>
public sealed record ColumnSummaryJson(string Name, long Count, long Nulls, double? Min, double? Max, double? Mean, IReadOnlyList<TopValueJson> Top);

/// <summary>A page of a backtest's result rows with the run's keys and the summary of every column.</summary>
/// <param name="Id">The run.</param>
/// <param name="Total">Rows in all (of <paramref name="Key"/> when given): the page is rows [offset, offset + rows) of these.</param>
/// <param name="Offset">Position of the page's first row.</param>
/// <param name="Rows">The page.</param>
/// <param name="Columns">Statistics of every feature column over all the run's rows.</param>
/// <param name="Key">The key the rows are filtered by, or null.</param>
/// <param name="KeyCount">Distinct keys of the run (counted up to <see cref="BacktestResults.MaxKeysCounted"/>).</param>
/// <param name="Keys">The run's keys in order with their row counts (the first <see cref="BacktestResults.MaxKeysListed"/>).</param>
/// <param name="KeysTruncated">True when <paramref name="Keys"/> lists only some of the keys.</param>
public sealed record BacktestResultsJson(string Id, long Total, int Offset, IReadOnlyList<BacktestRowJson> Rows, IReadOnlyList<ColumnSummaryJson> Columns,
    string? Key, long KeyCount, IReadOnlyList<BacktestKeyJson> Keys, bool KeysTruncated);

/// <summary>Reads a run's <c>results.jsonl</c> (one result document per line) into pages and column summaries.</summary>
internal static class BacktestResults
{
    /// <summary>Most frequent values listed per column.</summary>
    public const int TopValues = 5;

    /// <summary>Distinct non-numeric values counted per column before counting stops growing (bounded memory).</summary>
    public const int MaxDistinctTracked = 10_000;

    /// <summary>Keys listed with a page.</summary>
    public const int MaxKeysListed = 1000;

    /// <summary>Distinct keys counted (bounded memory); beyond it the count stops.</summary>
    public const int MaxKeysCounted = 100_000;

    /// <summary>
    /// Streams the file once: rows [offset, offset + limit) (of <paramref name="key"/> when given: total then counts its
    /// rows), the run's keys, and the statistics of every row.
    /// </summary>
    public static async Task<BacktestResultsJson> ReadAsync(string id, string path, int offset, int limit, IReadOnlyList<string> declared, string? key,
        CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        long matching = 0;
        var stats = new Dictionary<string, ColumnStats>(StringComparer.Ordinal);
        foreach (var name in declared)
        {
            stats[name] = new ColumnStats();
        }
        var rows = new List<BacktestRowJson>();
        long total = 0;
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var values = root.GetProperty("values");
            foreach (var property in values.EnumerateObject())
            {
                if (!stats.TryGetValue(property.Name, out var s))
                {
                    // A column not declared: it has been null/missing in every earlier row.
                    stats[property.Name] = s = new ColumnStats { Nulls = total };
                }
                s.Add(property.Value);
            }
            foreach (var (name, s) in stats)
            {
                if (!values.TryGetProperty(name, out _))
                {
                    s.Nulls++;
                }
            }
            var rowKey = root.GetProperty("key").GetString()!;
            if (keys.TryGetValue(rowKey, out var count))
            {
                keys[rowKey] = count + 1;
            }
            else if (keys.Count < MaxKeysCounted)
            {
                keys[rowKey] = 1;
            }
            total++;
            if (key is not null && !string.Equals(rowKey, key, StringComparison.Ordinal))
            {
                continue;
            }
            if (matching >= offset && rows.Count < limit)
            {
                rows.Add(new BacktestRowJson(rowKey, root.GetProperty("event_time").GetInt64(), root.GetProperty("event_id").GetString()!,
                    values.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
                    root.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String ? label.GetString() : null)
                {
                    Models = root.TryGetProperty("models", out var models)
                        ? models.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
                        : null,
                });
            }
            matching++;
        }
        return new BacktestResultsJson(id, key is null ? total : matching, offset, rows, stats.Select(kv => kv.Value.ToJson(kv.Key)).ToList(), key, keys.Count,
            keys.Take(MaxKeysListed).Select(kv => new BacktestKeyJson(kv.Key, kv.Value)).ToList(), keys.Count > MaxKeysListed);
    }

    private sealed class ColumnStats
    {
        private readonly Dictionary<string, (JsonElement Value, long Count)> counts = new(StringComparer.Ordinal);
        private long numbers;
        private double sum;
        private double min = double.PositiveInfinity;
        private double max = double.NegativeInfinity;

        public long Count { get; private set; }

        public long Nulls { get; set; }

        public void Add(JsonElement value)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                Nulls++;
                return;
            }
            Count++;
            if (value.ValueKind == JsonValueKind.Number)
            {
                var d = value.GetDouble();
                numbers++;
                sum += d;
                min = Math.Min(min, d);
                max = Math.Max(max, d);
                return;
            }
            var text = value.GetRawText();
            if (counts.TryGetValue(text, out var seen))
            {
                counts[text] = (seen.Value, seen.Count + 1);
            }
            else if (counts.Count < MaxDistinctTracked)
            {
                counts[text] = (value.Clone(), 1);
            }
        }

        public ColumnSummaryJson ToJson(string name) => new(name, Count, Nulls,
            numbers > 0 ? min : null, numbers > 0 ? max : null, numbers > 0 ? sum / numbers : null,
            counts.Values.OrderByDescending(c => c.Count).Take(TopValues).Select(c => new TopValueJson(c.Value, c.Count)).ToList());
    }
}
