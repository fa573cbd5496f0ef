using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>
/// The host with the example jobs loaded in a job registry in DI, fetching from this host's own event center (the
/// registry is loaded once the host is built, through a data source that forwards to the host's).
/// </summary>
public sealed class RuntimeJobsFactory : PlatformFactory, IAsyncLifetime
{
    private readonly ForwardingDataSource dataSource = new();
    private PythonHost? python;

    public JobRegistry Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        python = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(10) });
        Registry = await JobRegistry.LoadAsync(python, Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs"), dataSource,
            options: new JobOptions { WatchForChanges = false });
        dataSource.Inner = new EventCenterDataSource(Services.GetRequiredService<IEventReader>(), Services.GetRequiredService<ConsistentFetcher>(), TimeSpan.FromSeconds(10));
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }
        if (python is not null)
        {
            await python.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(_ => Registry));
    }

    private sealed class ForwardingDataSource : IFeatureDataSource
    {
        public IFeatureDataSource? Inner { get; set; }

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) =>
            (Inner ?? throw new InvalidOperationException("The host is not built yet.")).Fetch(source, key, asOfMs, consistency);

        public string History(string source, string key, long sinceMs, long untilMs, int limit) =>
            (Inner ?? throw new InvalidOperationException("The host is not built yet.")).History(source, key, sinceMs, untilMs, limit);
    }
}
