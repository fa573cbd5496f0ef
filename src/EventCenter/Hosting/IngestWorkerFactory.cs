using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Makes ingest workers (members of the ingest consumer group) from the event center's registered parts, so the
/// host, the tools and the test harnesses all ingest through the same graph.
/// </summary>
public sealed class IngestWorkerFactory(
    EventCenterSettings settings,
    IMessageBus bus,
    SourceRegistry sources,
    IEventStore events,
    IWatermarkStore watermarks,
    IDeadLetterSink deadLetters,
    IngestCounters counters,
    WatermarkSignal signal,
    TimeProvider clock,
    ILogger<IngestWorker> logger,
    Ingestion.Schema.SchemaObserver? schema = null)
{
    /// <summary>
    /// A worker with <paramref name="options"/> (default: <see cref="EventCenterSettings.Ingest"/>), writing through
    /// <paramref name="writer"/> (default: the event store).
    /// </summary>
    public IngestWorker Create(IngestOptions? options = null, IEventWriter? writer = null) =>
        new(bus, sources, writer ?? events, watermarks, deadLetters, options ?? settings.Ingest, logger, counters, signal, clock, schema);
}
