using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Metrics;

/// <summary><c>/metrics</c> through OpenTelemetry's Prometheus exporter: API, per-source and per-job series.</summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format_with_per_source_and_per_job_series()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        (await reader.GetAsync("/api/sources")).Dispose();
        (await reader.GetAsync("/api/features/job/absent")).Dispose();
        (await reader.GetAsync("/api/dead-letters?limit=abc")).Dispose();
        using var author = factory.CreateClient(PlatformFactory.Author);
        var user = $"m-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        (await author.PostAsync("/api/sources/orders/messages", Json($$"""{"order_id":"{{user}}","user_id":"{{user}}","created_at":{{now - 1000}},"amount":3}"""))).Dispose();
        (await author.PostAsync("/api/sources/orders/messages", Json("""{"user_id":"m","created_at":"not a time"}"""))).Dispose();
        var features = factory.Services.GetRequiredService<FeatureStore>();
        await PollAsync(async () => await features.GetAsync("order_stats_30d", user) is not null, "the live job computed the posted order");

        using var client = factory.CreateClient();
        string text = "";
        await PollAsync(async () =>
        {
            text = await client.GetStringAsync("/metrics");
            return Sum(text, "runtime_job_events_total", ("job", "order_stats_30d"), ("mode", "live")) >= 1
                && Samples(text, "runtime_job_lag_seconds", ("job", "order_stats_30d"), ("source", "orders")).Count == 1;
        }, "the live job's series");
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        text = await response.Content.ReadAsStringAsync();

        // Every sample belongs to a family declared by TYPE, and every line parses.
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(declared.TryAdd(parts[2], parts[3]), $"{parts[2]} declared twice");
                continue;
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var name = match.Groups["name"].Value;
            Assert.True(declared.ContainsKey(name) || declared.Keys.Any(f => declared[f] == "histogram" && (name == f + "_bucket" || name == f + "_sum" || name == f + "_count")),
                $"sample {name} has no TYPE");
        }

        Assert.True(Sum(text, "featureapi_http_requests_total", ("group", "/api/sources"), ("method", "GET"), ("status", "200")) >= 1, text);
        Assert.True(Sum(text, "featureapi_http_requests_total", ("group", "/api/sources"), ("method", "POST"), ("status", "200")) >= 1, text);
        Assert.True(Sum(text, "featureapi_http_requests_total", ("group", "/api/dead-letters"), ("method", "GET"), ("status", "400")) >= 1, text);
        Assert.True(Sum(text, "featureapi_http_request_duration_seconds_count", ("group", "/api/sources")) >= 1, text);
        Assert.True(Sum(text, "featureapi_feature_lookups_total", ("kind", "single"), ("outcome", "miss")) >= 1, text);
        Assert.DoesNotContain("status=\"500\"", text, StringComparison.Ordinal);

        // Per source: events stored, watermark age, messages pending on the bus.
        Assert.True(Sum(text, "eventcenter_ingest_written_total", ("source", "orders")) >= 1, text);
        Assert.Single(Samples(text, "eventcenter_source_watermark_age_seconds", ("source", "orders")));
        Assert.Single(Samples(text, "eventcenter_source_pending_messages", ("source", "orders")));
        Assert.Contains("# TYPE eventcenter_ingest_messages_total counter", text, StringComparison.Ordinal);

        // The adapters' own meters: the embedded databases' sizes (hot, cold, bus) and their storage faults.
        Assert.True(Sum(text, "embedded_database_size_bytes", ("database", "hot")) > 0, text);
        Assert.True(Sum(text, "embedded_database_size_bytes", ("database", "bus")) > 0, text);
        Assert.Single(Samples(text, "embedded_storage_faults"));
        // Each store's single writer: the orders posted above were committed by the hot and cold writers.
        foreach (var database in new[] { "hot", "cold" })
        {
            var commits = Sum(text, "embedded_writer_commits_total", ("database", database));
            Assert.True(commits >= 1 && Sum(text, "embedded_writer_writes_total", ("database", database)) >= commits, text);
            Assert.True(Sum(text, "embedded_writer_busy_time_seconds_total", ("database", database)) > 0, text);
        }

        // Per job: events, results and the live lag.
        Assert.True(Sum(text, "runtime_job_results_total", ("job", "order_stats_30d"), ("mode", "live")) >= 1, text);
        Assert.True(Sum(text, "runtime_job_batch_duration_seconds_count", ("job", "order_stats_30d"), ("mode", "live")) >= 1, text);
    }

    /// <summary>The samples of <paramref name="name"/> carrying at least <paramref name="labels"/>, with their values.</summary>
    internal static List<double> Samples(string text, string name, params (string Key, string Value)[] labels)
    {
        var found = new List<double>();
        foreach (var line in text.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success || match.Groups["name"].Value != name)
            {
                continue;
            }
            var have = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            if (labels.All(l => have.TryGetValue(l.Key, out var v) && v == l.Value))
            {
                found.Add(double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            }
        }
        return found;
    }

    /// <summary>The sum of <see cref="Samples"/>.</summary>
    internal static double Sum(string text, string name, params (string Key, string Value)[] labels) => Samples(text, name, labels).Sum();

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
