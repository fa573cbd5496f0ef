using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Diagnostics;

/// <summary>
/// The event center's instruments on meter <see cref="MeterName"/>: ingest counts in total and per source, forwarder
/// tiered reads, and per-source gauges (watermark age, messages not yet ingested) read before a scrape.
/// </summary>
public sealed class EventCenterMetrics : IMetricsRefresh
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.EventCenter";

    private readonly SourceRegistry sources;
    private readonly SourceProgressReader progressReader;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private volatile IReadOnlyList<SourceProgress> progress = [];

    /// <summary>Creates the instruments.</summary>
    public EventCenterMetrics(IMeterFactory meters, IngestCounters ingest, TieredEventStore events,
        SourceRegistry sources, SourceProgressReader progressReader, TimeProvider clock, ILogger<EventCenterMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.sources = sources;
        this.progressReader = progressReader;
        this.clock = clock;
        this.logger = logger;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("eventcenter.ingest.messages", () => ingest.Messages, description: "Messages consumed by the ingest workers.");
        meter.CreateObservableCounter("eventcenter.ingest.written", () => PerSource(ingest, SourceCount.Written), description: "Events newly stored, by source.");
        meter.CreateObservableCounter("eventcenter.ingest.duplicates", () => PerSource(ingest, SourceCount.Duplicates),
            description: "The same change delivered again (re-deliveries, connector re-sends): not stored again, by source.");
        meter.CreateObservableCounter("eventcenter.ingest.conflicts", () => PerSource(ingest, SourceCount.Conflicts),
            description: "Events whose id a different change holds: kept as conflict records (GET /api/dead-letters?kind=conflict), by source.");
        meter.CreateObservableCounter("eventcenter.ingest.dead_letters", () => PerSource(ingest, SourceCount.DeadLetters),
            description: "Messages dead-lettered as malformed or undeliverable, by source ((unknown) when no source matched).");
        meter.CreateObservableCounter("eventcenter.ingest.late_events", () => PerSource(ingest, SourceCount.Late),
            description: "Events stored at or below their source's event-time watermark (late), by source.");
        meter.CreateObservableCounter("eventcenter.ingest.batches", () => ingest.Batches, description: "Ingest batches stored.");
        meter.CreateObservableCounter("eventcenter.ingest.failed_batches", () => ingest.FailedBatches, description: "Ingest batches that failed and were retried.");
        meter.CreateObservableCounter("eventcenter.ingest.housekeeping",
            () => Enum.GetValues<HousekeepingKind>().Select(k => new Measurement<long>(ingest.Housekeeping(k), new KeyValuePair<string, object?>("kind", k.ToString().ToLowerInvariant()))),
            description: "Connector housekeeping messages recognised (not events, not dead letters), by kind.");
        var tiering = events.Counters;
        meter.CreateObservableCounter("eventcenter.reads", () => new[]
        {
            new Measurement<long>(tiering.HotReads, new KeyValuePair<string, object?>("tier", "hot")),
            new Measurement<long>(tiering.ColdReads, new KeyValuePair<string, object?>("tier", "cold")),
        }, description: "Event reads, by the tier that answered (cold: the hot store did not cover the range).");
        meter.CreateObservableCounter("eventcenter.reheated_events", () => tiering.ReheatedEvents, description: "Events copied from the cold store back into the hot one by reads.");
        meter.CreateObservableGauge("eventcenter.source.watermark_age", WatermarkAges, unit: "s",
            description: "How far each source's event-time watermark is behind the clock (a quiet source's stays near its MaxDelay).");
        meter.CreateObservableGauge("eventcenter.source.pending_messages", () => progress.Select(p => new Measurement<long>(p.PendingMessages, Tag(p.Source))),
            description: "Messages on the bus not yet ingested, by source.");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var read = new List<SourceProgress>(sources.All.Count);
        foreach (var source in sources.All.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            try
            {
                read.Add(await progressReader.ReadAsync(source, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A store or bus fault shows in health; the gauges of this source are left out rather than stale.
                logger.LogDebug(e, "Reading the progress of source {Source} for metrics failed.", source.Name);
            }
        }
        progress = read;
    }

    private IEnumerable<Measurement<double>> WatermarkAges()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var p in progress)
        {
            if (p.EventTime is { } t)
            {
                yield return new Measurement<double>(Math.Max(0, now - t) / 1000.0, Tag(p.Source));
            }
        }
    }

    private static IEnumerable<Measurement<long>> PerSource(IngestCounters ingest, SourceCount what) =>
        ingest.BySource(what).Select(kv => new Measurement<long>(kv.Value, Tag(kv.Key)));

    private static KeyValuePair<string, object?> Tag(string source) => new("source", source);
}
