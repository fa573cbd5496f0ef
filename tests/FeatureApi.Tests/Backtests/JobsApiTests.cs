using System.Net;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>The jobs the host's runtime loads (its embedded default: the example jobs, running live).</summary>
public sealed class JobsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var live = factory.Services.GetRequiredService<LiveJobsService>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (live.Runners.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the live runners did not start");
            await Task.Delay(50);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Jobs_are_listed_with_declaration_and_status_and_only_admins_switch_them()
    {
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        var jobs = await ReadJsonAsync(await reader.GetAsync("/api/jobs"));
        Assert.Equal(["order_stats_30d", "repayment_risk"], jobs.EnumerateArray().Select(j => j.GetProperty("name").GetString()));
        var stats = jobs[0];
        Assert.True(stats.GetProperty("enabled").GetBoolean());
        Assert.Matches("^[0-9a-f]{16}$", stats.GetProperty("version").GetString());
        var versions = await ReadJsonAsync(await reader.GetAsync("/api/jobs/order_stats_30d/versions"));
        Assert.Equal(stats.GetProperty("version").GetString(), versions.GetProperty("current").GetString());
        Assert.Equal("orders", Assert.Single(stats.GetProperty("triggers").EnumerateArray()).GetProperty("source").GetString());
        Assert.Equal("fetch_strong", stats.GetProperty("consistency").GetString());
        Assert.Contains(stats.GetProperty("outputs").EnumerateArray(), o => o.GetProperty("name").GetString() == "order_count" && o.GetProperty("type").GetString() == "int");
        Assert.Contains(stats.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "window_days" && p.GetProperty("current").GetInt64() == 30);
        var status = stats.GetProperty("status");
        Assert.Equal(0, status.GetProperty("errors").GetInt64());
        Assert.Equal(1, status.GetProperty("liveRunners").GetInt32());
        Assert.Equal(0, status.GetProperty("restarts").GetInt32());

        var detail = await ReadJsonAsync(await reader.GetAsync("/api/jobs/order_stats_30d"));
        Assert.Equal(0, detail.GetProperty("recentErrors").GetArrayLength());
        Assert.EndsWith("order_stats_30d.py", detail.GetProperty("file").GetString(), StringComparison.Ordinal);
        await AssertProblemAsync(await reader.GetAsync("/api/jobs/no_such_job"), HttpStatusCode.NotFound, "no_such_job");

        using var refused = await reader.PostAsync("/api/jobs/order_stats_30d/disable", null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        try
        {
            var disabled = await ReadJsonAsync(await admin.PostAsync("/api/jobs/order_stats_30d/disable", null));
            Assert.False(disabled.GetProperty("enabled").GetBoolean());
            Assert.False(factory.Services.GetRequiredService<RuntimeStartup>().Registry.Find("order_stats_30d")!.Enabled);
        }
        finally
        {
            var enabled = await ReadJsonAsync(await admin.PostAsync("/api/jobs/order_stats_30d/enable", null));
            Assert.True(enabled.GetProperty("enabled").GetBoolean());
        }
    }

    [Fact]
    public async Task Me_names_the_key_and_its_roles()
    {
        using var client = factory.CreateClient(PlatformFactory.OperatorReviewer);
        var me = await ReadJsonAsync(await client.GetAsync("/api/me"));
        Assert.Equal("operator-reviewer", me.GetProperty("name").GetString());
        Assert.Equal(["operator", "reviewer"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }
}
