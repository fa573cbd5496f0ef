using System.Diagnostics;
using FeaturePlatform.Benchmarks.Harness;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// In-process latency of as-of fetches (one reverse prefix scan, limit 1) of random entities at random times over
/// an embedded event store, against a target p99 ≤ 100 µs and against a point SELECT on the bare table.
/// </summary>
internal sealed class AsOfFetchScenario : IBenchmarkScenario
{
    private const double TargetP99Micros = 100;

    public string Name => "asof-fetch";

    public string Description => "as-of fetch p50/p99 over the embedded event store; target p99 ≤ 100 µs; baseline point SELECT on a bare table";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var total = context.Quick ? 100_000 : 1_000_000;
        var fetches = context.Quick ? 5_000 : 50_000;
        await using var stores = await EventBenchStores.CreateAsync();
        context.Log($"loading {total:#,0} events into both stores");
        stores.IngestBare(total, context.CancellationToken);
        await stores.IngestAsync(total, _ => { }, context.CancellationToken);

        var entities = SyntheticEvents.EntitiesPerSource(total);
        var random = new Random(42);
        var asOf = new long[fetches];
        var sources = new string[fetches];
        var keys = new string[fetches];
        for (var i = 0; i < fetches; i++)
        {
            sources[i] = SyntheticEvents.Sources[random.Next(SyntheticEvents.Sources.Length)];
            keys[i] = "cust-" + random.Next(entities).ToString(System.Globalization.CultureInfo.InvariantCulture);
            asOf[i] = SyntheticEvents.BaseTime + (total / 2) + random.NextInt64(total / 2); // most entities have history by then
        }

        // Warm-up (JIT, page cache), then measure each fetch.
        var found = 0;
        for (var i = 0; i < Math.Min(2_000, fetches); i++)
        {
            await stores.Events.GetLatestEventAsync(sources[i], keys[i], asOf[i], context.CancellationToken);
        }
        var asOfLatencies = new double[fetches];
        for (var i = 0; i < fetches; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var e = await stores.Events.GetLatestEventAsync(sources[i], keys[i], asOf[i], context.CancellationToken);
            asOfLatencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            found += e is null ? 0 : 1;
        }
        context.Log($"as-of fetches: {fetches:#,0}, {found:#,0} found an event");

        var pointLatencies = PointSelects(stores, total, fetches);
        var (p50, p99) = Percentiles(asOfLatencies);
        var (b50, b99) = Percentiles(pointLatencies);
        context.Log($"as-of p50 {p50:F1} µs p99 {p99:F1} µs; bare point select p50 {b50:F1} µs p99 {b99:F1} µs");
        return
        [
            Measurement.AgainstTarget("as-of fetch p99", p99, "µs", TargetP99Micros),
            Measurement.LowerIsBetter("as-of fetch p50", p50, "µs", "point SELECT by key on the bare table, p50", b50),
            Measurement.LowerIsBetter("as-of fetch p99 vs point select", p99, "µs", "point SELECT by key on the bare table, p99", b99),
        ];
    }

    private static double[] PointSelects(EventBenchStores stores, int total, int count)
    {
        var random = new Random(7);
        using var command = stores.Bare.CreateCommand();
        command.CommandText = "SELECT v FROM events WHERE k = $k";
        var k = command.Parameters.Add("$k", SqliteType.Blob);
        command.Prepare();
        var latencies = new double[count];
        for (var i = -Math.Min(2_000, count); i < count; i++)
        {
            var key = stores.Keys.MainKey(SyntheticEvents.Create(random.NextInt64(total), total));
            var start = Stopwatch.GetTimestamp();
            k.Value = key;
            _ = command.ExecuteScalar();
            if (i >= 0)
            {
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        return latencies;
    }

    private static (double P50, double P99) Percentiles(double[] values)
    {
        var sorted = values.Order().ToArray();
        return (sorted[(int)(sorted.Length * 0.50)], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]);
    }
}
