using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Replay.Backtests;

/// <summary>One key's points of a numeric column over event time.</summary>
/// <param name="Key">The entity key.</param>
/// <param name="Rows">The key's rows in the range with a numeric value of the column (what the points stand for).</param>
/// <param name="Points">[event time ms, value] in time order: every row when <paramref name="Downsampled"/> is false.</param>
/// <param name="Downsampled">
/// True when the key had more rows in the range than the points asked for: the range is cut into equal time buckets
/// and each bucket gives its lowest and highest value (in time order), so spikes and dips stay visible.
/// </param>
public sealed record SeriesJson(string Key, long Rows, IReadOnlyList<double[]> Points, bool Downsampled);

/// <summary>A numeric column of a backtest's results as one series per key, for charts.</summary>
/// <param name="Id">The run.</param>
/// <param name="Column">The column.</param>
/// <param name="From">Start of the event-time range read (ms, inclusive), or null for the first row's.</param>
/// <param name="To">End of the range (ms, exclusive), or null for after the last row.</param>
/// <param name="MaxPoints">The most points a series carries (the request's <c>points</c>).</param>
/// <param name="Series">One series per requested key, in the order asked.</param>
public sealed record BacktestSeriesJson(string Id, string Column, long? From, long? To, int MaxPoints, IReadOnlyList<SeriesJson> Series);

/// <summary>Reads series of a run's <c>results.jsonl</c>, downsampling keys with more rows than asked for (min/max per time bucket).</summary>
internal static class BacktestSeries
{
    /// <summary>Points per series when the request names none.</summary>
    public const int DefaultPoints = 2000;

    /// <summary>Most points per series a request may ask for.</summary>
    public const int MaxPoints = 20_000;

    /// <summary>Most keys (series) in one request.</summary>
    public const int MaxKeys = 20;

    /// <summary>Streams the file once, keeping the numeric values of <paramref name="column"/> of the given keys in [from, to).</summary>
    public static async Task<BacktestSeriesJson> ReadAsync(string id, string path, string column, IReadOnlyList<string> keys, long? from, long? to, int points,
        CancellationToken cancellationToken)
    {
        var byKey = keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => new List<(long T, double V)>(), StringComparer.Ordinal);
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (!byKey.TryGetValue(root.GetProperty("key").GetString()!, out var list))
            {
                continue;
            }
            var time = root.GetProperty("event_time").GetInt64();
            if (time < from || time >= to)
            {
                continue;
            }
            if (root.GetProperty("values").TryGetProperty(column, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                list.Add((time, value.GetDouble()));
            }
        }
        var series = keys.Distinct(StringComparer.Ordinal).Select(k =>
        {
            var list = byKey[k];
            list.Sort((a, b) => a.T.CompareTo(b.T));
            return list.Count <= points
                ? new SeriesJson(k, list.Count, list.Select(p => new[] { p.T, p.V }).ToList(), false)
                : new SeriesJson(k, list.Count, Downsample(list, points), true);
        }).ToList();
        return new BacktestSeriesJson(id, column, from, to, points, series);
    }

    /// <summary>
    /// Cuts the time span of <paramref name="sorted"/> into <c>points / 2</c> equal buckets and keeps each bucket's lowest
    /// and highest point, in time order (one point when they coincide): at most <paramref name="points"/> points.
    /// </summary>
    internal static List<double[]> Downsample(IReadOnlyList<(long T, double V)> sorted, int points)
    {
        var buckets = Math.Max(1, points / 2);
        var t0 = sorted[0].T;
        var span = (double)(sorted[^1].T - t0) + 1;
        var result = new List<double[]>(points);
        var i = 0;
        while (i < sorted.Count)
        {
            var bucket = Math.Min(buckets - 1, (int)((sorted[i].T - t0) / span * buckets));
            var low = i;
            var high = i;
            var j = i + 1;
            for (; j < sorted.Count && Math.Min(buckets - 1, (int)((sorted[j].T - t0) / span * buckets)) == bucket; j++)
            {
                if (sorted[j].V < sorted[low].V)
                {
                    low = j;
                }
                if (sorted[j].V > sorted[high].V)
                {
                    high = j;
                }
            }
            foreach (var k in low == high ? [low] : low < high ? new[] { low, high } : [high, low])
            {
                result.Add([sorted[k].T, sorted[k].V]);
            }
            i = j;
        }
        return result;
    }
}
