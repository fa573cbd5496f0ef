using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Formats;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>The host's counters and latency histograms, rendered in the Prometheus text format at <c>/metrics</c>.</summary>
public sealed class ApiMetrics(IngestCounters ingest, IngestionProgress progress)
{
    private readonly ConcurrentDictionary<(string Group, string Method, string Status), StrongBox> requests = new();
    private readonly ConcurrentDictionary<string, Histogram> durations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Group, string Kind), StrongBox> errors = new();
    private readonly ConcurrentDictionary<(string Kind, string Outcome), StrongBox> lookups = new();
    private readonly ConcurrentDictionary<string, Histogram> lookupDurations = new(StringComparer.Ordinal);

    /// <summary>Counts one answered HTTP request of a route group.</summary>
    public void RecordRequest(string group, string method, int status, double seconds)
    {
        Interlocked.Increment(ref requests.GetOrAdd((group, method, status.ToString(System.Globalization.CultureInfo.InvariantCulture)), _ => new StrongBox()).Value);
        durations.GetOrAdd(group, _ => new Histogram()).Observe(seconds);
        if (status >= 500)
        {
            RecordError(group, "server");
        }
    }

    /// <summary>Counts an error: <c>server</c> (5xx answers) or <c>exception</c> (unhandled exceptions).</summary>
    public void RecordError(string group, string kind) =>
        Interlocked.Increment(ref errors.GetOrAdd((group, kind), _ => new StrongBox()).Value);

    /// <summary>Counts feature look-ups of one call: <paramref name="found"/> hits and <paramref name="missing"/> misses.</summary>
    public void RecordLookup(string kind, int found, int missing, double seconds)
    {
        Interlocked.Add(ref lookups.GetOrAdd((kind, "hit"), _ => new StrongBox()).Value, found);
        Interlocked.Add(ref lookups.GetOrAdd((kind, "miss"), _ => new StrongBox()).Value, missing);
        lookupDurations.GetOrAdd(kind, _ => new Histogram()).Observe(seconds);
    }

    /// <summary>Renders every metric in the Prometheus text format.</summary>
    public string Render()
    {
        var w = new PrometheusTextWriter();
        w.Family("featureapi_http_requests_total", "counter", "HTTP requests answered, by route group, method and status.");
        foreach (var ((group, method, status), box) in requests.OrderBy(kv => kv.Key))
        {
            w.Sample("featureapi_http_requests_total", [new("group", group), new("method", method), new("status", status)], Interlocked.Read(ref box.Value));
        }
        w.Family("featureapi_http_request_duration_seconds", "histogram", "Time to answer HTTP requests, by route group.");
        foreach (var (group, histogram) in durations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Histogram("featureapi_http_request_duration_seconds", [new("group", group)], histogram);
        }
        w.Family("featureapi_errors_total", "counter", "Errors: 5xx answers (kind=server) and unhandled exceptions (kind=exception), by route group.");
        foreach (var ((group, kind), box) in errors.OrderBy(kv => kv.Key))
        {
            w.Sample("featureapi_errors_total", [new("group", group), new("kind", kind)], Interlocked.Read(ref box.Value));
        }
        w.Family("featureapi_feature_lookups_total", "counter", "Feature-store keys looked up, by call kind (single, batch) and outcome (hit, miss).");
        foreach (var ((kind, outcome), box) in lookups.OrderBy(kv => kv.Key))
        {
            w.Sample("featureapi_feature_lookups_total", [new("kind", kind), new("outcome", outcome)], Interlocked.Read(ref box.Value));
        }
        w.Family("featureapi_feature_lookup_duration_seconds", "histogram", "Time of feature-store look-up calls, by call kind.");
        foreach (var (kind, histogram) in lookupDurations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Histogram("featureapi_feature_lookup_duration_seconds", [new("kind", kind)], histogram);
        }
        Counter(w, "eventcenter_ingest_messages_total", "Messages consumed by the ingest workers.", ingest.Messages);
        Counter(w, "eventcenter_ingest_written_total", "Events newly stored.", ingest.Written);
        Counter(w, "eventcenter_ingest_duplicates_total", "The same change delivered again (re-deliveries, connector re-sends): not stored again.", ingest.Duplicates);
        Counter(w, "eventcenter_ingest_conflicts_total", "Events whose id was held by a different change: not stored, kept as a conflict record (GET /api/dead-letters?kind=conflict).", ingest.Conflicts);
        Counter(w, "eventcenter_ingest_dead_letters_total", "Messages sent to the dead-letter store.", ingest.DeadLettered);
        w.Family("eventcenter_ingest_late_events_total", "counter", "Events stored at or below their source's event-time watermark (late), by source.");
        foreach (var (source, late) in ingest.LateBySource.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Sample("eventcenter_ingest_late_events_total", [new("source", source)], late);
        }
        Counter(w, "eventcenter_ingest_batches_total", "Ingest batches completed.", ingest.Batches);
        Counter(w, "eventcenter_ingest_failed_batches_total", "Ingest batches that failed and were retried.", ingest.FailedBatches);
        w.Family("eventcenter_ingest_housekeeping_total", "counter", "Connector housekeeping messages recognised (not events, not dead letters), by kind.");
        foreach (var kind in Enum.GetValues<HousekeepingKind>())
        {
            w.Sample("eventcenter_ingest_housekeeping_total", [new("kind", kind.ToString().ToLowerInvariant())], ingest.Housekeeping(kind));
        }
        var forwarders = progress.Forwarders.OrderBy(f => f.Queue, StringComparer.Ordinal).ToList();
        w.Family("eventcenter_forwarder_forwarded_total", "counter", "Messages a RabbitMQ forwarder put on the bus and acknowledged, by queue.");
        foreach (var f in forwarders)
        {
            w.Sample("eventcenter_forwarder_forwarded_total", [new("queue", f.Queue)], f.Forwarded);
        }
        w.Family("eventcenter_forwarder_dead_letters_total", "counter", "Messages a RabbitMQ forwarder could never deliver: dead-lettered and acknowledged, by queue.");
        foreach (var f in forwarders)
        {
            w.Sample("eventcenter_forwarder_dead_letters_total", [new("queue", f.Queue)], f.DeadLettered);
        }
        w.Family("eventcenter_forwarder_reconnects_total", "counter", "Times a RabbitMQ forwarder reconnected, by queue.");
        foreach (var f in forwarders)
        {
            w.Sample("eventcenter_forwarder_reconnects_total", [new("queue", f.Queue)], f.Reconnects);
        }
        return w.ToString();
    }

    private static void Counter(PrometheusTextWriter w, string name, string help, long value)
    {
        w.Family(name, "counter", help);
        w.Sample(name, [], value);
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
