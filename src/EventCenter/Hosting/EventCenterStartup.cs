using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Prepares the event center before anything else runs: tables created (embedded) or verified (HBase), source
/// topics created, the stored sources applied. <see cref="Ready"/> completes when done; readiness checks and workers wait on it.
/// </summary>
public sealed class EventCenterStartup(
    EventCenterSettings settings,
    IEventStore events,
    IWatermarkStore watermarks,
    TableDeadLetterStore deadLetters,
    IMessageBus bus,
    SourceRegistry sources,
    MetadataStore.IMetadataStore metadata,
    SourceSync sourceSync,
    ILogger<EventCenterStartup> logger) : IHostedService
{
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when tables and topics are ready; faults with the reason when they cannot be.</summary>
    public Task Ready => ready.Task;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await events.EnsureTablesAsync(cancellationToken);
            await watermarks.EnsureTableAsync(cancellationToken);
            await deadLetters.EnsureTableAsync(cancellationToken);
            await metadata.EnsureAsync(cancellationToken);
            // Sources registered at run time (stored) join the configuration's before anything consumes.
            await sourceSync.SyncOnceAsync(cancellationToken);
            foreach (var topic in sources.Topics)
            {
                await bus.CreateTopicAsync(topic, settings.TopicPartitions, cancellationToken);
            }
            if (sources.All.Any(s => s.Mirror is not null))
            {
                await bus.CreateTopicAsync(settings.Correction.Topic, 1, cancellationToken);
            }
            foreach (var source in sources.All.Where(s => s.Mirror is { TimeColumn: null }))
            {
                logger.LogWarning(
                    "Source {Source} mirrors {Table} without a TimeColumn: fetch-strong-no-delay reads of it wait for the watermark like fetch-strong (a row's change time is needed to tell whether it changed after the as-of time)",
                    source.Name, source.Mirror!.Table);
            }
            if (settings.DataDirectoryIsFallback)
            {
                logger.LogWarning("The home folder is missing or not writable: embedded data goes to {Directory}, which the system may clean. "
                    + "Set EventCenter:DataDirectory (e.g. EventCenter__DataDirectory=/var/lib/featureplatform) for a service account.", settings.DataDirectory);
            }
            logger.LogInformation("Event center ready: {Sources} sources, hot {Hot}, cold {Cold}, bus {Bus}",
                sources.All.Count, settings.Hot.Kind, settings.Cold.Kind, settings.Bus.Kind);
            ready.TrySetResult();
        }
        catch (Exception e)
        {
            ready.TrySetException(e);
            throw;
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
