using FeaturePlatform.EventCenter.Ingestion.Schema;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.EventCenter.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Merges the observed schemas into the metadata store every <see cref="MetadataSettings.SchemaFlushInterval"/> (and once at shutdown).</summary>
internal sealed class SchemaFlushService(EventCenterStartup startup, SchemaFlusher flusher, MetadataSettings settings, ILogger<SchemaFlushService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.Ready.WaitAsync(stoppingToken);
        var never = new TaskCompletionSource();
        await PollLoop.RunAsync(async ct =>
        {
            await flusher.FlushAsync(ct);
            return null;
        }, () => never.Task, settings.SchemaFlushInterval, logger, "observed schemas (merge)", stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (startup.Ready.IsCompletedSuccessfully)
        {
            try
            {
                await flusher.FlushAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The last observed schemas could not be merged at shutdown");
            }
        }
    }
}
