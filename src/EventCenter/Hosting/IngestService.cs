using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Runs this process's ingest workers (members of the ingest consumer group) until shutdown.</summary>
internal sealed class IngestService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    SourceRegistry sources,
    IngestWorkerFactory workers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IngestWorkers == 0 || sources.Topics.Count == 0)
        {
            return;
        }
        await startup.Ready.WaitAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, settings.IngestWorkers).Select(_ => workers.Create().RunAsync(stoppingToken)));
    }
}
