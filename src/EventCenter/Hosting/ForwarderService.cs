using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Runs one RabbitMQ forwarder per source with a RabbitMQ queue, until shutdown.</summary>
internal sealed class ForwarderService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
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
        await Task.WhenAll(forwarded.Select(source => new RabbitForwarder(
            new RabbitForwarderOptions { Uri = settings.RabbitMqUri!, Queue = source.RabbitQueue!, Topic = source.EffectiveTopics[0] },
            bus,
            logger).RunAsync(stoppingToken)));
    }
}
