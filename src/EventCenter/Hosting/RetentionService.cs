using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Retention for the embedded backends: compacts the embedded stores (expired cells — the hot window's TTL —
/// and surplus versions are removed) and trims the embedded bus. HBase applies its TTLs itself in compactions.
/// </summary>
internal sealed class RetentionService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    [FromKeyedServices(StoreRole.Hot)] IWideTableStore hot,
    [FromKeyedServices(StoreRole.Cold)] IWideTableStore cold,
    IMessageBus bus,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await startup.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var loops = new List<Task>();
        foreach (var store in new[] { hot, cold }.OfType<EmbeddedWideTableStore>().Distinct())
        {
            loops.Add(store.RunCompactionLoopAsync(settings.RetentionInterval, result =>
            {
                if (result.CellsDeleted > 0)
                {
                    logger.LogInformation("Retention removed {Cells} expired cells from {Tables} tables", result.CellsDeleted, result.Tables);
                }
            }, stoppingToken));
        }
        if (bus is EmbeddedMessageBus embedded)
        {
            loops.Add(TrimBusAsync(embedded, stoppingToken));
        }
        await Task.WhenAll(loops);
    }

    private async Task TrimBusAsync(EmbeddedMessageBus embedded, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.RetentionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var removed = await embedded.ApplyRetentionAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Bus retention removed {Messages} messages", removed);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
