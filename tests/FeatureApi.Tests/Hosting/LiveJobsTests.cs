using System.Net;
using System.Text;
using FeaturePlatform.FeatureApi.Hosting;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>The host's embedded default runs the SDK's example jobs live: a posted order becomes features.</summary>
public sealed class LiveJobsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_example_jobs_load_and_run_live_on_their_configured_sources()
    {
        using var client = factory.CreateClient(PlatformFactory.Author);
        var startup = factory.Services.GetRequiredService<RuntimeStartup>();
        await startup.Ready;
        Assert.Empty(startup.Registry.LoadErrors);
        Assert.Equal(["order_stats_30d", "repayment_risk"], startup.Registry.Jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
        var live = factory.Services.GetRequiredService<LiveJobsService>();
        await PollAsync(() => live.Runners.Count == 2, "two live runners");
        Assert.Contains("order_stats_30d/orders", live.Runners.Keys);
        Assert.Equal("featureplatform-job-order_stats_30d", live.Runners["order_stats_30d/orders"].GroupId);

        var user = $"u-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var orders = $$"""[{"order_id":"a-{{user}}","user_id":"{{user}}","created_at":{{now - 2000}},"amount":10.5},{"order_id":"b-{{user}}","user_id":"{{user}}","created_at":{{now - 1000}},"amount":20}]""";
        using var response = await client.PostAsync("/api/sources/orders/messages", new StringContent(orders, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var features = factory.Services.GetRequiredService<FeatureStore>();
        FeatureRecord? record = null;
        await PollAsync(async () => (record = await features.GetAsync("order_stats_30d", user)) is { } r && r.EventTime == now - 1000, "features of the second order");
        Assert.Equal(2, record!.Values["order_count"].GetInt64());
        Assert.Equal(30.5, record.Values["order_amount"].GetDouble());
        Assert.Equal($"b-{user}", record.EventId);
    }

    [Fact]
    public async Task Readiness_reports_the_runtime_with_its_jobs()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = factory.Services.GetRequiredService<HealthCheckService>();
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(PlatformDefaults.ReadyTag));
        var runtime = report.Entries["runtime"];
        Assert.Equal(HealthStatus.Healthy, runtime.Status);
        // Each job with its version: the content hash of its code (16 hex digits).
        Assert.Contains((string[])runtime.Data["jobs"], j => System.Text.RegularExpressions.Regex.IsMatch(j, "^order_stats_30d v[0-9a-f]{16}$"));
        Assert.Empty((string[])runtime.Data["loadErrors"]);
    }

    private static Task PollAsync(Func<bool> condition, string what) => PollAsync(() => Task.FromResult(condition()), what);

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));
}
