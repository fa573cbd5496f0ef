using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Selection;

namespace FeaturePlatform.Benchmarks.Scenarios.Selection;

/// <summary>
/// Feature selection on the embedded default (the in-memory columnar copy): 1,000,000 entities × 8 features, a
/// predicate of 3 comparisons. Count time and key-export time (CSV of the matching keys) against a plain C# scan of the
/// same rows held as an array of row objects with typed fields, in the same run — the fastest thing a hand-written
/// program does with rows already in memory, so it bounds what any engine over memory can gain (SQLite/DuckDB over a flat
/// table would measure their own load and query planning as well). Then the write-path cost of keeping the copy: feature
/// store writes (embedded SQLite, batches of 500 as the live loop writes them) with the copy's listener on and off.
/// </summary>
internal sealed class SelectionScenario : IBenchmarkScenario
{
    private const string Job = "bench_sel";
    private const long T0 = 1_767_225_600_000;
    private static readonly string[] Countries = ["CN", "SG", "US", "DE", "JP", "BR", "IN", "FR"];

    public string Name => "selection";

    public string Description => "count and key export over 1M entities × 8 features, 3 predicates, in-memory copy vs a plain C# scan; feature-store write rate with the copy on vs off";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var entities = context.Quick ? 100_000 : 1_000_000;
        var random = new Random(7);
        var rows = new Row[entities];
        for (var i = 0; i < entities; i++)
        {
            rows[i] = new Row("u" + i.ToString("D7", CultureInfo.InvariantCulture), random.Next(0, 1000), random.NextDouble() * 100, random.Next(0, 50), random.NextDouble(),
                Countries[random.Next(Countries.Length)], "seg" + random.Next(20), random.Next(4) == 0, T0 + random.Next(0, 90) * 86_400_000L);
        }
        var copy = new SelectionCopy();
        var load = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(500))
        {
            copy.Written([.. chunk.Select(Result)]);
        }
        context.Log($"{entities:N0} entities × 8 features into the copy through its write listener in {load.Elapsed.TotalSeconds:F1} s");
        var engine = new MemorySelectionEngine(copy);
        await copy.LoadAsync(new FeatureStore(new Runtime.DiscardingStore()), context.CancellationToken); // marks it loaded (the store is empty)

        // amount >= 500 AND country IN (CN, SG) AND vip = false
        var predicate = new AllOf([
            new Comparison("amount", Op.Ge, [Literal.Of(500)]),
            new Comparison("country", Op.In, [Literal.Of("CN"), Literal.Of("SG")]),
            new Comparison("vip", Op.Eq, [Literal.Of(false)]),
        ]);
        static bool Baseline(Row r) => r.Amount >= 500 && (r.Country == "CN" || r.Country == "SG") && !r.Vip;

        long engineCount = 0, baselineCount = 0;
        var (countMs, baselineMs) = Medians(7, () => engineCount = engine.SelectAsync(new SelectionQuery(Job, predicate, [], 100, null), default).AsTask().GetAwaiter().GetResult().Count,
            () => baselineCount = rows.Count(Baseline));
        if (engineCount != baselineCount)
        {
            throw new InvalidOperationException($"the engine counted {engineCount}, the baseline {baselineCount}");
        }
        context.Log($"count {engineCount:N0}: engine {countMs:F1} ms, plain scan {baselineMs:F1} ms");

        // Alternated, so the file system's load (the export fsyncs its file, as a run does) falls on both alike.
        var (exportMs, exportBaselineMs) = Medians(7, () => ExportEngine(engine, predicate), () => ExportBaseline(rows, Baseline));
        context.Log($"key export: engine {exportMs:F1} ms, plain scan {exportBaselineMs:F1} ms");

        var (withCopy, without) = await WritePathAsync(context);
        context.Log($"feature-store writes: {withCopy:N0} rows/s with the copy, {without:N0} rows/s without");
        return
        [
            Measurement.AgainstTarget($"count, {entities:N0} × 8, 3 predicates (in-memory copy)", countMs, "ms", 1000),
            Measurement.LowerIsBetter("count vs plain C# scan (target ratio ≥ 0.5)", countMs, "ms", "plain C# scan of row objects, same rows", baselineMs),
            Measurement.LowerIsBetter($"key export to CSV, {engineCount:N0} keys (target ratio ≥ 0.5)", exportMs, "ms", "plain C# scan + same CSV writer", exportBaselineMs),
            Measurement.HigherIsBetter("feature-store writes with the copy kept (target ratio ≥ 0.9)", withCopy, "rows/s", "same writes, copy off", without),
        ];
    }

    private static FeatureResult Result(Row r) => new(Job, "v1", new ChangeEvent
    {
        Source = "orders", EntityKey = r.Key, Operation = EventOperation.Message, EventTime = r.Updated, IngestTime = r.Updated,
        Position = new SourcePosition("orders", 0, 0), EventId = r.Key, After = [],
    }, 0,
    [
        new("amount", (long)r.Amount), new("score", r.Score), new("orders", (long)r.Orders), new("ratio", r.Ratio),
        new("country", r.Country), new("segment", r.Segment), new("vip", r.Vip),
        new("last_seen", DateTimeOffset.FromUnixTimeMilliseconds(r.Updated).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
    ]);

    private static long ExportEngine(MemorySelectionEngine engine, Predicate predicate) =>
        Export(engine.MatchesAsync(Job, predicate, [], _ => { }, default));

    private static long ExportBaseline(Row[] rows, Func<Row, bool> filter) => Export(Matches(rows, filter));

    private static long Export(IAsyncEnumerable<SelectedRow> rows)
    {
        var path = Path.Combine(Path.GetTempPath(), "fp-bench-sel-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        try
        {
            return SelectionExport.WriteAsync(ExportFormat.Csv, path, [], [], rows, _ => { }, default).GetAwaiter().GetResult();
        }
        finally
        {
            File.Delete(path);
        }
    }

#pragma warning disable CS1998 // a synchronous source behind the same async writer
    private static async IAsyncEnumerable<SelectedRow> Matches(Row[] rows, Func<Row, bool> filter)
    {
        foreach (var r in rows)
        {
            if (filter(r))
            {
                yield return new SelectedRow(r.Key, r.Updated, []);
            }
        }
    }
#pragma warning restore CS1998

    /// <summary>Feature-store write rates (rows/s) with the copy's listener and without; alternated, best of each.</summary>
    private static async Task<(double With, double Without)> WritePathAsync(ScenarioContext context)
    {
        var count = context.Quick ? 20_000 : 100_000;
        var random = new Random(11);
        var results = Enumerable.Range(0, count).Select(i => Result(new Row("w" + i, random.Next(1000), random.NextDouble(), i % 50, 0.5, Countries[i % 8], "seg1", i % 3 == 0,
            T0 + i))).ToList();
        double with = 0, without = 0;
        for (var round = 0; round < 2; round++)
        {
            foreach (var keep in new[] { false, true })
            {
                var directory = Path.Combine(Path.GetTempPath(), "fp-bench-sel-" + Guid.NewGuid().ToString("N")[..8]);
                try
                {
                    await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
                    var features = new FeatureStore(store, listener: keep ? new SelectionCopy() : null);
                    await features.EnsureTableAsync(context.CancellationToken);
                    var watch = Stopwatch.StartNew();
                    foreach (var batch in results.Chunk(500))
                    {
                        await features.WriteAsync(batch, context.CancellationToken);
                    }
                    var rate = count / watch.Elapsed.TotalSeconds;
                    if (keep)
                    {
                        with = Math.Max(with, rate);
                    }
                    else
                    {
                        without = Math.Max(without, rate);
                    }
                }
                finally
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
        return (with, without);
    }

    /// <summary>Medians of <paramref name="a"/> and <paramref name="b"/> run alternately (after one warm-up each).</summary>
    private static (double A, double B) Medians(int runs, Action a, Action b)
    {
        a();
        b();
        var times = (A: new List<double>(), B: new List<double>());
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            a();
            times.A.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            b();
            times.B.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.A.Sort();
        times.B.Sort();
        return (times.A[runs / 2], times.B[runs / 2]);
    }

    private sealed record Row(string Key, double Amount, double Score, int Orders, double Ratio, string Country, string Segment, bool Vip, long Updated);
}
