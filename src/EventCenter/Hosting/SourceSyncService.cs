using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.EventCenter.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Follows the stored sources in this process (<see cref="SourceSync"/> on the <see cref="PollLoop"/>) once the event center is ready.</summary>
internal sealed class SourceSyncService(EventCenterStartup startup, SourceSync sync, MetadataSettings settings, ILogger<SourceSyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Ready.WaitAsync(stoppingToken);
        await PollLoop.RunAsync(async ct =>
        {
            await sync.SyncOnceAsync(ct);
            return null;
        }, () => sync.Next, settings.PollInterval, logger, "the stored sources", stoppingToken);
    }
}
