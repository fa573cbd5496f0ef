using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Runs this process's ingest workers (members of the ingest consumer group) until shutdown; with no sources yet they wait for the first.</summary>
internal sealed class IngestService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    IngestWorkerFactory workers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IngestWorkers == 0)
        {
            return;
        }
        await startup.Ready.WaitAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, settings.IngestWorkers).Select(_ => workers.Create().RunAsync(stoppingToken)));
    }
}
