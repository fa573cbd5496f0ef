using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Testing.Platform;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Benchmarks.Scenarios.Api;

/// <summary>
/// Point look-ups over HTTP: the FeatureApi host (Release, embedded default) with the feature store seeded with
/// <c>keys</c> entities, loaded by <c>wrk</c> at concurrency 32 with random keys (GET /api/features/{job}/{key}),
/// against <c>GET /api/static</c> on the same host (constant look-up-sized JSON through the same pipeline) in the same
/// run. Targets (issue 7): rps ratio ≥ 0.5 (the ratio of the first measurement), p99 ≤ 5 ms (AgainstTarget). wrk and
/// the host share the machine's cores.
/// </summary>
/// <param name="selectionEngine">
/// <c>Runtime:Selection:Engine</c> of the host (null: <c>FP_BENCH_SELECTION_ENGINE</c>, else Auto): <c>Scan</c> turns the
/// selection copy off, <c>Memory</c> keeps it; the <c>selection-write-path</c> scenario runs both.
/// </param>
internal sealed partial class ApiLookupScenario(string? selectionEngine = null) : IBenchmarkScenario
{
    private const string Job = "order_stats_30d";
    private const string ApiKey = "bench-reader";
    private const int Threads = 2;
    private const int Connections = 32;

    public string Name => "api-lookup";

    public string Description => "GET /api/features point look-ups (wrk, c=32, random of N keys) vs GET /api/static on the same host: rps ratio, p99";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var keys = context.Quick ? 10_000 : 100_000;
        var duration = context.Quick ? 5 : 20;
        var root = Path.Combine(Path.GetTempPath(), $"fp-bench-api-{Environment.ProcessId}");
        var data = Path.Combine(root, "data");
        try
        {
            var seeded = Stopwatch.StartNew();
            await SeedAsync(data, keys, context.CancellationToken);
            context.Log($"seeded {keys:N0} keys in {seeded.Elapsed.TotalSeconds:F1} s");
            await using var host = await FeatureApiProcess.StartAsync("api-lookup", new Dictionary<string, string>
            {
                ["EventCenter:DataDirectory"] = data,
                ["Runtime:RunLiveJobs"] = "false",
                ["Api:StaticBaseline"] = "true",
                // FP_BENCH_SELECTION_ENGINE=Scan turns the selection copy off (Memory: on, the embedded default) to measure its cost.
                ["Runtime:Selection:Engine"] = selectionEngine ?? Environment.GetEnvironmentVariable("FP_BENCH_SELECTION_ENGINE") ?? "Auto",
                // The content root is a fresh folder (no appsettings.json): one reader key.
                [$"Auth:Keys:{ApiKey}:Name"] = "bench",
                [$"Auth:Keys:{ApiKey}:Roles:0"] = "reader",
                ["Logging:LogLevel:Default"] = "Warning",
            }, TimeSpan.FromSeconds(120));
            var script = Path.Combine(root, "lookup.lua");
            await File.WriteAllTextAsync(script, LookupScript(keys), context.CancellationToken);
            var baseUrl = $"http://127.0.0.1:{host.Port}";
            // Warm-up both (JIT, page cache), then measure the baseline and the look-up back to back.
            await WrkAsync(baseUrl + "/api/static", null, 3, context);
            await WrkAsync(baseUrl, script, 3, context);
            var baseline = await WrkAsync(baseUrl + "/api/static", null, duration, context);
            var lookup = await WrkAsync(baseUrl, script, duration, context);
            context.Log($"static: {baseline.Rps:F0} rps p50 {baseline.P50Ms:F2} ms p99 {baseline.P99Ms:F2} ms; lookup: {lookup.Rps:F0} rps p50 {lookup.P50Ms:F2} ms p99 {lookup.P99Ms:F2} ms");
            if (lookup.Errors > 0 || baseline.Errors > 0)
            {
                throw new InvalidOperationException($"wrk saw non-2xx answers or socket errors (lookup {lookup.Errors}, static {baseline.Errors}). Host log:\n{host.TailLog()}");
            }
            return
            [
                Measurement.HigherIsBetter($"look-up rps (c={Connections}, wrk -t{Threads}, {keys:N0} keys)", lookup.Rps, "req/s", "GET /api/static same host", baseline.Rps),
                Measurement.AgainstTarget("look-up p99", lookup.P99Ms, "ms", 5),
                Measurement.LowerIsBetter("look-up p99 vs static", lookup.P99Ms, "ms", "GET /api/static p99", baseline.P99Ms),
                Measurement.LowerIsBetter("look-up p50", lookup.P50Ms, "ms", "GET /api/static p50", baseline.P50Ms),
            ];
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task SeedAsync(string data, int keys, CancellationToken cancellationToken)
    {
        // The same table the host opens (EventCenter:DataDirectory/hot), written before the host starts.
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(data, "hot") });
        var features = new FeatureStore(store, saltBuckets: 16);
        await features.EnsureTableAsync(cancellationToken);
        const int batch = 5_000;
        for (var start = 0; start < keys; start += batch)
        {
            var results = new List<FeatureResult>(batch);
            for (var i = start; i < Math.Min(keys, start + batch); i++)
            {
                var key = $"user-{i:D6}";
                var trigger = new ChangeEvent
                {
                    Source = "orders", EntityKey = key, Operation = EventOperation.Insert, EventTime = 1_700_000_000_000 + i, IngestTime = 1_700_000_000_000 + i,
                    Position = new SourcePosition("orders", 0, i), EventId = $"order-{i:D6}-0",
                };
                results.Add(new FeatureResult(Job, "0123456789abcdef", trigger, 0,
                [
                    new("user_id", key), new("order_count", (long)(i % 50)), new("order_amount", i * 1.5), new("avg_order_amount", 72.62),
                    new("user_tier", "gold"), new("account_age_days", (long)(i % 1000)),
                ]));
            }
            await features.WriteAsync(results, cancellationToken);
        }
    }

    private static string LookupScript(int keys) => $$"""
        math.randomseed(os.time())
        request = function()
          return wrk.format("GET", string.format("/api/features/{{Job}}/user-%06d", math.random(0, {{keys - 1}})))
        end
        """;

    private static async Task<WrkResult> WrkAsync(string url, string? script, int seconds, ScenarioContext context)
    {
        var arguments = new List<string> { $"-t{Threads}", $"-c{Connections}", $"-d{seconds}s", "--latency", "-H", $"X-Api-Key: {ApiKey}" };
        if (script is not null)
        {
            arguments.AddRange(["-s", script]);
        }
        arguments.Add(url);
        var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (install it: scripts/install-deps.sh).");
        var output = await process.StandardOutput.ReadToEndAsync(context.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(context.CancellationToken);
        await process.WaitForExitAsync(context.CancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {error}\n{output}");
        }
        return WrkResult.Parse(output);
    }

    /// <summary>What wrk printed: requests/s, latency percentiles (ms), non-2xx answers plus socket errors.</summary>
    internal sealed record WrkResult(double Rps, double P50Ms, double P99Ms, long Errors)
    {
        public static WrkResult Parse(string output)
        {
            var rps = double.Parse(RpsLine().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new FormatException($"no Requests/sec in wrk output:\n{output}"), CultureInfo.InvariantCulture);
            double Percentile(string p) => PercentileLine(p).Match(output) is { Success: true } m
                ? ToMs(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)
                : throw new FormatException($"no {p}% latency in wrk output (use --latency):\n{output}");
            long errors = 0;
            if (Non2xx().Match(output) is { Success: true } n)
            {
                errors += long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            foreach (Match s in SocketErrors().Matches(output))
            {
                errors += long.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            return new WrkResult(rps, Percentile("50"), Percentile("99"), errors);
        }

        private static double ToMs(double value, string unit) => unit switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            _ => throw new FormatException($"unknown wrk latency unit '{unit}'"),
        };

        private static Regex PercentileLine(string p) => new($@"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RpsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();
}
