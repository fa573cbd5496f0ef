using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>
/// The platform as the host builds it (<c>AddEventCenter</c> + <c>AddRuntime</c>, same configuration), started without
/// its background services: the event center's tables, the Python host and the jobs with their stored parameters. Runs
/// go through the runtime's <see cref="RunManagerFactory"/> and write to its feature store, so a replay computes and
/// stores exactly as the live jobs do.
/// </summary>
internal sealed class ReplayServices : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private ReplayServices(ServiceProvider services, RunManager runs)
    {
        this.services = services;
        Runs = runs;
        Features = services.GetRequiredService<FeatureStore>();
    }

    public RunManager Runs { get; }

    public FeatureStore Features { get; }

    /// <summary>The runtime's backfills (<c>replay --feature-store</c>).</summary>
    public Runtime.Backfill.BackfillService Backfills => services.GetRequiredService<Runtime.Backfill.BackfillService>();

    /// <summary>The runtime's slices (<c>replay slice</c>).</summary>
    public Runtime.Slices.SliceService Slices => services.GetRequiredService<Runtime.Slices.SliceService>();

    /// <summary>The runtime's parity checks (<c>replay parity</c>).</summary>
    public Runtime.Parity.ParityService Parity => services.GetRequiredService<Runtime.Parity.ParityService>();

    /// <summary>Builds the platform from <paramref name="builder"/> and starts the event center and the runtime.</summary>
    public static async Task<ReplayServices> StartAsync(HostApplicationBuilder builder, CancellationToken cancellationToken)
    {
        builder.Services.AddEventCenter(builder.Configuration);
        builder.Services.AddRuntime(builder.Configuration);
        var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            // Only the start-ups run: no ingestion, live jobs or other background service.
            await services.GetRequiredService<EventCenterStartup>().StartAsync(cancellationToken);
            var runtime = services.GetRequiredService<RuntimeStartup>();
            await runtime.StartAsync(cancellationToken);
            await runtime.Ready;
            var runs = services.GetRequiredService<RunManagerFactory>().Create(runtime.Registry);
            return new ReplayServices(services, runs);
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Runs.DisposeAsync();
        await services.DisposeAsync();
    }
}
