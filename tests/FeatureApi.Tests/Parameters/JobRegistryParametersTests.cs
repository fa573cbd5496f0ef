using System.Net;
using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Parameters;

/// <summary>The embedded interpreter and the example jobs directory, loaded once (CPython starts once per process).</summary>
public sealed class PythonJobsFixture : IAsyncLifetime
{
    public PythonHost Host { get; private set; } = null!;

    public JobRegistry Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(10) });
        Registry = await JobRegistry.LoadAsync(Host, Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs"), new NoData(),
            options: new JobOptions { WatchForChanges = false });
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Host.DisposeAsync();
    }

    /// <summary>Setting parameters never fetches.</summary>
    private sealed class NoData : IFeatureDataSource
    {
        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => throw new NotSupportedException("no data in this test");

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => throw new NotSupportedException("no data in this test");
    }
}

/// <summary>The host with the real job registry in DI: the workflow's default adapter (<see cref="JobRegistryParameters"/>) is used.</summary>
public sealed class RegistryPlatformFactory(PythonJobsFixture python) : PlatformFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(python.Registry);
            services.AddSingleton<IParameterDefinitions>(sp => sp.GetRequiredService<JobRegistryParameters>());
            services.AddSingleton<IParameterApplier>(sp => sp.GetRequiredService<JobRegistryParameters>());
        });
    }
}

public sealed class JobRegistryParametersTests(PythonJobsFixture python) : IClassFixture<PythonJobsFixture>, IAsyncLifetime
{
    private RegistryPlatformFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new RegistryPlatformFactory(python);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task An_approved_proposal_changes_the_loaded_jobs_parameters_and_keeps_the_others()
    {
        var job = python.Registry.Find("order_stats_30d")!.Loaded;
        await job.SetParametersAsync(new Dictionary<string, object?> { ["min_amount"] = 5.0 });

        using var reader = factory.CreateClient(PlatformFactory.Reader);
        var definitions = await ReadJsonAsync(await reader.GetAsync("/api/jobs/order_stats_30d/parameters"));
        var window = definitions.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "window_days");
        Assert.Equal("int", window.GetProperty("type").GetString());
        Assert.Equal(365, window.GetProperty("max").GetDouble());
        Assert.Equal(30, window.GetProperty("current").GetInt64());
        Assert.Equal("Look-back window in days.", window.GetProperty("description").GetString());

        using var operatorClient = factory.CreateClient(PlatformFactory.Operator);
        using var tooLong = await operatorClient.PostAsync("/api/jobs/order_stats_30d/parameters/proposals", Json("""{"values":{"window_days":400},"reason":"r"}"""));
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "above its maximum 365");

        var proposal = await ReadJsonAsync(await operatorClient.PostAsync("/api/jobs/order_stats_30d/parameters/proposals",
            Json("""{"values":{"window_days":45},"reason":"longer window"}""")), HttpStatusCode.Created);
        Assert.Equal(30L, job.Parameters["window_days"]);
        using var reviewer = factory.CreateClient(PlatformFactory.Reviewer);
        var approved = await ReadJsonAsync(await reviewer.PostAsync(
            $"/api/jobs/order_stats_30d/parameters/proposals/{proposal.GetProperty("id").GetString()}/approve", Json("{}")));
        Assert.Equal("Approved", approved.GetProperty("state").GetString());

        Assert.Equal(45L, job.Parameters["window_days"]);
        Assert.Equal(5.0, job.Parameters["min_amount"]);
        var after = await ReadJsonAsync(await reader.GetAsync("/api/jobs/order_stats_30d/parameters"));
        Assert.Equal(45, after.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "window_days").GetProperty("current").GetInt64());

        using var unknown = await reader.GetAsync("/api/jobs/no_such_job/parameters");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
    }
}
