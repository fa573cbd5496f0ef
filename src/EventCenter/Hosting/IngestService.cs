using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Runs this process's ingest workers (members of the ingest consumer group) until shutdown.</summary>
internal sealed class IngestService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
    IEventStore events,
    IWatermarkStore watermarks,
    IDeadLetterSink deadLetters,
    IngestCounters counters,
    WatermarkSignal signal,
    ILogger<IngestWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IngestWorkers == 0 || sources.Topics.Count == 0)
        {
            return;
        }
        await startup.Ready.WaitAsync(stoppingToken);
        var workers = Enumerable.Range(0, settings.IngestWorkers)
            .Select(_ => new IngestWorker(bus, sources, events, watermarks, deadLetters, settings.Ingest, logger, counters, signal).RunAsync(stoppingToken))
            .ToList();
        await Task.WhenAll(workers);
    }
}
