using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FeaturePlatform.FeatureApi.Metrics;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Metrics;

public sealed partial class MetricsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format()
    {
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        (await reader.GetAsync("/api/sources")).Dispose();
        (await reader.GetAsync("/api/features/job/absent")).Dispose();
        using var author = factory.CreateClient(PlatformFactory.Author);
        (await author.PostAsync("/api/sources/orders/messages", Json("""{"user_id":"m","created_at":1767225600000}"""))).Dispose();
        (await reader.GetAsync("/api/dead-letters?limit=abc")).Dispose();

        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);

        // Every sample belongs to a family declared by HELP then TYPE, and every line parses.
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        string? helpFor = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                helpFor = line.Split(' ')[2];
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(helpFor, parts[2]);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary" });
                Assert.True(declared.TryAdd(parts[2], parts[3]), $"{parts[2]} declared twice");
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var name = match.Groups["name"].Value;
            var family = declared.Keys.FirstOrDefault(f => name == f || (declared[f] == "histogram" && name is var n && (n == f + "_bucket" || n == f + "_sum" || n == f + "_count")));
            Assert.True(family is not null, $"sample {name} has no HELP/TYPE");
            Assert.True(match.Groups["value"].Value == "+Inf" || double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), line);
        }

        Assert.Matches(@"featureapi_http_requests_total\{group=""/api/sources"",method=""GET"",status=""200""\} [1-9]", text);
        Assert.Matches(@"featureapi_http_requests_total\{group=""/api/sources"",method=""POST"",status=""200""\} [1-9]", text);
        Assert.Matches(@"featureapi_http_request_duration_seconds_bucket\{group=""/api/sources"",le=""\+Inf""\} [1-9]", text);
        Assert.Matches(@"featureapi_http_request_duration_seconds_count\{group=""/api/sources""\} [1-9]", text);
        Assert.Matches(@"featureapi_http_requests_total\{group=""/api/dead-letters"",method=""GET"",status=""400""\} [1-9]", text);
        Assert.DoesNotContain("status=\"500\"", text, StringComparison.Ordinal);
        Assert.Matches(@"featureapi_feature_lookups_total\{kind=""single"",outcome=""miss""\} [1-9]", text);
        Assert.Contains("# TYPE eventcenter_ingest_messages_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE eventcenter_ingest_dead_letters_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE eventcenter_ingest_duplicates_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE eventcenter_ingest_written_total counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_end_with_Inf()
    {
        var histogram = new Histogram();
        histogram.Observe(0.0005);
        histogram.Observe(0.03);
        histogram.Observe(20);
        var writer = new PrometheusTextWriter();
        writer.Family("x_seconds", "histogram", "test");
        writer.Histogram("x_seconds", [new("g", "a")], histogram);
        var text = writer.ToString();
        Assert.Contains("x_seconds_bucket{g=\"a\",le=\"0.001\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_bucket{g=\"a\",le=\"0.025\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_bucket{g=\"a\",le=\"0.05\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_bucket{g=\"a\",le=\"10\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_bucket{g=\"a\",le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_sum{g=\"a\"} 20.0305\n", text, StringComparison.Ordinal);
        Assert.Contains("x_seconds_count{g=\"a\"} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_and_help_text_are_escaped()
    {
        var writer = new PrometheusTextWriter();
        writer.Family("y_total", "counter", "a \\ help\nline");
        writer.Sample("y_total", [new("path", "a\"b\\c\nd")], 2);
        Assert.Equal("# HELP y_total a \\\\ help\\nline\n# TYPE y_total counter\ny_total{path=\"a\\\"b\\\\c\\nd\"} 2\n", writer.ToString());
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();
}
