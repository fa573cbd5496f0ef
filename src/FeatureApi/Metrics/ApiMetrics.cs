using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>The API's instruments on meter <see cref="MeterName"/>: requests and their time by route group, errors, feature look-ups.</summary>
public sealed class ApiMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.FeatureApi";

    private readonly Counter<long> requests;
    private readonly Histogram<double> durations;
    private readonly Counter<long> errors;
    private readonly Counter<long> lookups;
    private readonly Histogram<double> lookupDurations;

    /// <summary>Creates the instruments.</summary>
    public ApiMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        requests = meter.CreateCounter<long>("featureapi.http.requests", description: "HTTP requests answered, by route group, method and status.");
        durations = meter.CreateHistogram<double>("featureapi.http.request.duration", unit: "s", description: "Time to answer HTTP requests, by route group.");
        errors = meter.CreateCounter<long>("featureapi.errors", description: "Errors: 5xx answers (kind=server) and unhandled exceptions (kind=exception), by route group.");
        lookups = meter.CreateCounter<long>("featureapi.feature.lookups", description: "Feature-store keys looked up, by call kind (single, batch) and outcome (hit, miss).");
        lookupDurations = meter.CreateHistogram<double>("featureapi.feature.lookup.duration", unit: "s", description: "Time of feature-store look-up calls, by call kind.");
    }

    /// <summary>Counts one answered HTTP request of a route group.</summary>
    public void RecordRequest(string group, string method, int status, double seconds)
    {
        requests.Add(1, new TagList { { "group", group }, { "method", method }, { "status", status.ToString(CultureInfo.InvariantCulture) } });
        durations.Record(seconds, new KeyValuePair<string, object?>("group", group));
        if (status >= 500)
        {
            RecordError(group, "server");
        }
    }

    /// <summary>Counts an error: <c>server</c> (5xx answers) or <c>exception</c> (unhandled exceptions).</summary>
    public void RecordError(string group, string kind) => errors.Add(1, new KeyValuePair<string, object?>("group", group), new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts feature look-ups of one call: <paramref name="found"/> hits and <paramref name="missing"/> misses.</summary>
    public void RecordLookup(string kind, int found, int missing, double seconds)
    {
        lookups.Add(found, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", "hit"));
        lookups.Add(missing, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", "miss"));
        lookupDurations.Record(seconds, new KeyValuePair<string, object?>("kind", kind));
    }
}
