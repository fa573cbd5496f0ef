using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Metrics;

/// <summary>
/// Meters are process-wide and matched by name, so a second host in the process (another test host, an embedded replay)
/// makes identically named instruments. Its start and its disposal must leave this host's /metrics whole: before the
/// exporter kept to its own host's meters, disposing the other host ended the shared streams and /metrics went blank
/// (a CI failure of <see cref="MetricsTests"/>).
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsIsolationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Another_host_in_the_process_starting_and_stopping_leaves_this_hosts_series()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready;
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        (await reader.GetAsync("/api/sources")).Dispose();
        using var anonymous = factory.CreateClient();
        var before = await anonymous.GetStringAsync("/metrics");
        var requestsBefore = MetricsTests.Sum(before, "featureapi_http_requests_total", ("group", "/api/sources"), ("method", "GET"));
        Assert.True(requestsBefore >= 1, before);
        Assert.True(MetricsTests.Sum(before, "embedded_database_size_bytes", ("database", "hot")) > 0, before);

        await using (var other = new PlatformFactory())
        {
            await other.Services.GetRequiredService<RuntimeStartup>().Ready;
            using var otherReader = other.CreateClient(PlatformFactory.Reader);
            (await otherReader.GetAsync("/api/sources")).Dispose();
            (await otherReader.GetAsync("/api/sources")).Dispose();
            var otherText = await other.CreateClient().GetStringAsync("/metrics");
            // Each host counts its own requests only.
            Assert.Equal(2, MetricsTests.Sum(otherText, "featureapi_http_requests_total", ("group", "/api/sources"), ("method", "GET")));
        }

        (await reader.GetAsync("/api/sources")).Dispose();
        var after = await anonymous.GetStringAsync("/metrics");
        Assert.Equal(requestsBefore + 1, MetricsTests.Sum(after, "featureapi_http_requests_total", ("group", "/api/sources"), ("method", "GET")));
        Assert.True(MetricsTests.Sum(after, "embedded_database_size_bytes", ("database", "hot")) > 0, after);
        Assert.Single(MetricsTests.Samples(after, "eventcenter_source_watermark_age_seconds", ("source", "orders")));
    }
}
