using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.Runtime.Jobs.Publishing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// Keeps this process's jobs on the versions the registry's live pointers name (promotions and rollbacks by any
/// process): reads them every <see cref="PublishingSettings.PollInterval"/>, at once when this process changed one.
/// </summary>
internal sealed class PublishingSyncService(RuntimeSettings settings, RuntimeStartup startup, PublishedVersionSync sync, ILogger<PublishingSyncService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return;
        }
        await PollLoop.RunAsync(async ct =>
        {
            await sync.SyncOnceAsync(startup.Host, startup.DataSource, startup.Registry, startup.Adopt, ct);
            return null;
        }, () => sync.Next, settings.Publishing.PollInterval, logger, "the job registry's live versions", stoppingToken);
    }
}
