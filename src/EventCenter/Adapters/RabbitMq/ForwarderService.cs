using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FeaturePlatform.EventCenter.Hosting;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// Runs one RabbitMQ forwarder per source with a RabbitMQ queue, until shutdown; each knows its source (to key
/// messages by entity) and is watched by <see cref="IngestionProgress"/>.
/// </summary>
internal sealed class ForwarderService(
    Uri broker,
    EventCenterStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
    IDeadLetterSink deadLetters,
    IngestionProgress progress,
    TimeProvider clock,
    ILogger<RabbitForwarder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var forwarded = sources.All.Where(s => s.RabbitQueue is not null).ToList();
        if (forwarded.Count == 0)
        {
            return;
        }
        await startup.Ready.WaitAsync(stoppingToken);
        var forwarders = forwarded.Select(source => new RabbitForwarder(
            new RabbitForwarderOptions { Uri = broker, Queue = source.RabbitQueue!, Topic = source.EffectiveTopics[0], Source = source },
            bus,
            deadLetters,
            logger,
            clock)).ToList();
        foreach (var forwarder in forwarders)
        {
            progress.Add(forwarder.Status);
        }
        try
        {
            await Task.WhenAll(forwarders.Select(f => f.RunAsync(stoppingToken)));
        }
        finally
        {
            foreach (var forwarder in forwarders)
            {
                progress.Remove(forwarder.Status);
            }
        }
    }
}
