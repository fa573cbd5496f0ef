using System.Text.Json;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// How one output column moved between live and a candidate over every row of a comparison (a backtest against live):
/// each side's distribution, the rows where the value changed, and for numeric columns a population stability index and
/// the Kolmogorov–Smirnov statistic.
/// </summary>
/// <param name="Feature">The output column.</param>
/// <param name="Kind"><c>numeric</c> (every non-null value a number) or <c>other</c> (strings, booleans, mixed).</param>
/// <param name="Changed">Rows where the column's value differs (a row on one side only counts as changed).</param>
/// <param name="Live">Live's values over the compared rows.</param>
/// <param name="Candidate">The candidate's values over the same computations.</param>
/// <param name="Psi">Population stability index of the candidate against live over ten bins cut at live's deciles (numeric; null when a side has no value). Rule of thumb: under 0.1 stable, 0.1–0.25 moderate, above 0.25 a major shift.</param>
/// <param name="Ks">Kolmogorov–Smirnov statistic: the largest gap between the two sides' cumulative distributions, 0 to 1 (numeric; null when a side has no value).</param>
public sealed record FeatureShift(string Feature, string Kind, long Changed, FeatureStats Live, FeatureStats Candidate, double? Psi, double? Ks);

/// <summary>One side's values of a column.</summary>
/// <param name="Count">Rows with the column.</param>
/// <param name="Nulls">Rows where it is null.</param>
/// <param name="Mean">Mean of the numeric values (null: none).</param>
/// <param name="Stddev">Population standard deviation of the numeric values (null: none).</param>
/// <param name="Min">Smallest numeric value.</param>
/// <param name="Max">Largest numeric value.</param>
/// <param name="Quantiles">The 5th, 25th, 50th, 75th and 95th percentiles (keys <c>p5</c> … <c>p95</c>; nearest rank), empty when not numeric.</param>
/// <param name="Exact">Whether quantiles, PSI and KS use every value (false past <see cref="FeatureShiftTally.MaxValues"/> values: a systematic sample of every 2^k-th; counts and moments always use every value).</param>
public sealed record FeatureStats(long Count, long Nulls, double? Mean, double? Stddev, double? Min, double? Max, IReadOnlyDictionary<string, double> Quantiles, bool Exact);

/// <summary>Accumulates per-column statistics of both sides of every compared row; thread-safe.</summary>
internal sealed class FeatureShiftTally
{
    /// <summary>Values kept per column and side for quantiles, PSI and KS (8 bytes each).</summary>
    public const int MaxValues = 1_000_000;

    private static readonly (string Name, double Q)[] Percentiles = [("p5", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)];
    private readonly Lock gate = new();
    private readonly Dictionary<string, Column> columns = new(StringComparer.Ordinal);

    /// <summary>Adds one compared row: live's and the candidate's values (JSON objects; null when that side has no row).</summary>
    public void Add(string? live, string? candidate)
    {
        using var l = live is null ? null : JsonDocument.Parse(live);
        using var c = candidate is null ? null : JsonDocument.Parse(candidate);
        lock (gate)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var side in new[] { l, c })
            {
                if (side?.RootElement is { ValueKind: JsonValueKind.Object } row)
                {
                    names.UnionWith(row.EnumerateObject().Select(p => p.Name));
                }
            }
            foreach (var name in names)
            {
                if (!columns.TryGetValue(name, out var column))
                {
                    columns[name] = column = new Column();
                }
                var lv = Value(l, name);
                var cv = Value(c, name);
                if (lv?.GetRawText() != cv?.GetRawText())
                {
                    column.Changed++;
                }
                column.Live.Add(lv);
                column.Candidate.Add(cv);
            }
        }
    }

    /// <summary>Every column's shift, by name.</summary>
    public IReadOnlyList<FeatureShift> Shifts()
    {
        lock (gate)
        {
            return [.. columns.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Shift(c.Key, c.Value))];
        }
    }

    private static FeatureShift Shift(string name, Column column)
    {
        var numeric = column.Live.NumericOnly && column.Candidate.NumericOnly && (column.Live.Values.Count + column.Candidate.Values.Count) > 0;
        var live = column.Live.Sorted();
        var candidate = column.Candidate.Sorted();
        double? psi = null;
        double? ks = null;
        if (numeric && live.Length > 0 && candidate.Length > 0)
        {
            psi = Psi(live, candidate);
            ks = Ks(live, candidate);
        }
        return new FeatureShift(name, numeric ? "numeric" : "other", column.Changed, column.Live.Stats(live, numeric), column.Candidate.Stats(candidate, numeric), psi, ks);
    }

    private static JsonElement? Value(JsonDocument? row, string name) =>
        row?.RootElement is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) ? v : null;

    /// <summary>PSI over ten bins cut at live's deciles; empty bins count as 0.0001 so the log is defined.</summary>
    private static double Psi(double[] live, double[] candidate)
    {
        var edges = Enumerable.Range(1, 9).Select(i => Quantile(live, i / 10.0)).Distinct().ToArray();
        var l = Bins(live, edges);
        var c = Bins(candidate, edges);
        var psi = 0.0;
        for (var i = 0; i < l.Length; i++)
        {
            var a = Math.Max(l[i], 1e-4);
            var b = Math.Max(c[i], 1e-4);
            psi += (b - a) * Math.Log(b / a);
        }
        return psi;
    }

    private static double[] Bins(double[] sorted, double[] edges)
    {
        var shares = new double[edges.Length + 1];
        var start = 0;
        for (var i = 0; i < edges.Length; i++)
        {
            // Values at or below the edge fall in its bin.
            var end = UpperBound(sorted, edges[i]);
            shares[i] = (double)(end - start) / sorted.Length;
            start = end;
        }
        shares[^1] = (double)(sorted.Length - start) / sorted.Length;
        return shares;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static double Ks(double[] a, double[] b)
    {
        int i = 0, j = 0;
        var gap = 0.0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= x)
            {
                i++;
            }
            while (j < b.Length && b[j] <= x)
            {
                j++;
            }
            gap = Math.Max(gap, Math.Abs(((double)i / a.Length) - ((double)j / b.Length)));
        }
        return gap;
    }

    /// <summary>Nearest-rank quantile of sorted values.</summary>
    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class Column
    {
        public long Changed { get; set; }

        public Side Live { get; } = new();

        public Side Candidate { get; } = new();
    }

    private sealed class Side
    {
        private long seen;
        private long stride = 1;
        private double mean;
        private double m2;
        private double min = double.PositiveInfinity;
        private double max = double.NegativeInfinity;

        public long Count { get; private set; }

        public long Nulls { get; private set; }

        public bool NumericOnly { get; private set; } = true;

        public List<double> Values { get; private set; } = [];

        public void Add(JsonElement? value)
        {
            if (value is not { } v)
            {
                return; // this side has no row (or no such column)
            }
            Count++;
            switch (v.ValueKind)
            {
                case JsonValueKind.Null:
                    Nulls++;
                    return;
                case JsonValueKind.Number:
                    var x = v.GetDouble();
                    // Welford: exact moments over every value.
                    seen++;
                    var delta = x - mean;
                    mean += delta / seen;
                    m2 += delta * (x - mean);
                    min = Math.Min(min, x);
                    max = Math.Max(max, x);
                    if ((seen - 1) % stride == 0)
                    {
                        Values.Add(x);
                        if (Values.Count >= MaxValues)
                        {
                            Values = [.. Values.Where((_, i) => i % 2 == 0)];
                            stride *= 2;
                        }
                    }
                    return;
                default:
                    NumericOnly = false;
                    return;
            }
        }

        public double[] Sorted()
        {
            var sorted = Values.ToArray();
            Array.Sort(sorted);
            return sorted;
        }

        public FeatureStats Stats(double[] sorted, bool numeric)
        {
            if (!numeric || seen == 0)
            {
                return new FeatureStats(Count, Nulls, null, null, null, null, new Dictionary<string, double>(), stride == 1);
            }
            return new FeatureStats(Count, Nulls, mean, Math.Sqrt(m2 / seen), min, max,
                Percentiles.ToDictionary(p => p.Name, p => Quantile(sorted, p.Q), StringComparer.Ordinal), stride == 1);
        }
    }
}
