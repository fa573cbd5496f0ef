using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FeaturePlatform.EventCenter.Hosting;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// Runs one RabbitMQ forwarder per source with a RabbitMQ queue, until shutdown; each knows its source (to key
/// messages by entity) and is watched by <see cref="IngestionProgress"/>. Follows the registered sources: a source
/// registered at run time gets its forwarder, a deleted or changed one's forwarder stops (after the message it is
/// forwarding) and a changed one starts again with the new definition.
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
        await startup.Ready.WaitAsync(stoppingToken);
        var running = new Dictionary<string, Running>(StringComparer.Ordinal);
        var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = sources.Changed;
                var wanted = sources.All.Where(s => s.RabbitQueue is not null).ToDictionary(s => s.Name, StringComparer.Ordinal);
                foreach (var (name, run) in running.Where(r => !wanted.TryGetValue(r.Key, out var w) || !SourceDefinitions.Same(w, r.Value.Source)).ToList())
                {
                    await StopAsync(run);
                    running.Remove(name);
                    logger.LogInformation("RabbitMQ forwarder of source {Source} (queue {Queue}) stopped: the source changed or was deleted", name, run.Source.RabbitQueue);
                }
                foreach (var source in wanted.Values.Where(s => !running.ContainsKey(s.Name)))
                {
                    running[source.Name] = Start(source, stoppingToken);
                }
                // Wakes on the next change of the sources; a forwarder's own task ends only when it is stopped.
                await Task.WhenAny(changed, stopped);
            }
        }
        finally
        {
            foreach (var run in running.Values)
            {
                await StopAsync(run);
            }
        }
    }

    private Running Start(SourceDefinition source, CancellationToken stoppingToken)
    {
        var forwarder = new RabbitForwarder(
            new RabbitForwarderOptions { Uri = broker, Queue = source.RabbitQueue!, Topic = source.EffectiveTopics[0], Source = source },
            bus,
            deadLetters,
            logger,
            clock);
        progress.Add(forwarder.Status);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        return new Running(source, forwarder, stop, forwarder.RunAsync(stop.Token));
    }

    private async Task StopAsync(Running run)
    {
        await run.Stop.CancelAsync();
        try
        {
            await run.Task;
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        finally
        {
            progress.Remove(run.Forwarder.Status);
            run.Stop.Dispose();
        }
    }

    private sealed record Running(SourceDefinition Source, RabbitForwarder Forwarder, CancellationTokenSource Stop, Task Task);
}
