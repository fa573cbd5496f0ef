using System.Diagnostics;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Look-ups of the feature store: the latest features of an entity computed by a job.</summary>
public static class FeaturesApi
{
    /// <summary>Most keys in one batch look-up.</summary>
    public const int MaxKeysPerBatch = 1000;

    /// <summary>Most columns selected in one look-up.</summary>
    public const int MaxColumns = 200;

    /// <summary>Largest accepted batch body.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    /// <summary>Maps <c>/api/features</c>.</summary>
    public static RouteGroupBuilder MapFeaturesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/features").WithTags("Features").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/{job}/{key}", GetAsync).WithSummary("An entity's latest features from a job (columns=a,b selects columns)");
        group.MapPost("/{job}:batch", GetBatchAsync).WithSummary($"Latest features of up to {MaxKeysPerBatch} keys; absent keys come back as null");
        return group;
    }

    /// <summary>Features of one entity.</summary>
    /// <param name="Job">The job that computed them.</param>
    /// <param name="Key">The entity key.</param>
    /// <param name="EventTime">Event time they are valid at, ms since the Unix epoch.</param>
    /// <param name="EventId">The event that produced them.</param>
    /// <param name="Version">The job version that computed them.</param>
    /// <param name="Values">Column → value.</param>
    public sealed record FeaturesJson(string Job, string Key, long EventTime, string? EventId, string Version, IReadOnlyDictionary<string, JsonElement> Values)
    {
        /// <summary>The model versions that computed them (model → version), for jobs that declare models; else absent.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyDictionary<string, string>? Models { get; init; }

        internal static FeaturesJson From(FeatureRecord r) => new(r.Job, r.Key, r.EventTime, r.EventId, r.JobVersion, r.Values)
        {
            Models = r.Models.Count > 0 ? r.Models : null,
        };
    }

    /// <summary>A batch look-up.</summary>
    /// <param name="Keys">Entity keys (1 to 1000).</param>
    /// <param name="Columns">Columns to return; null: all.</param>
    public sealed record BatchRequest(IReadOnlyList<string> Keys, IReadOnlyList<string>? Columns = null);

    /// <summary>The answer to a batch look-up: one entry per requested key, in order, null when absent.</summary>
    public sealed record BatchResponse(IReadOnlyList<FeaturesJson?> Results, IReadOnlyList<string> Missing);

    private static async Task<Results<Ok<FeaturesJson>, ProblemHttpResult>> GetAsync(
        string job, string key, string? columns, FeatureStore store, ApiMetrics metrics, Jobs.JobCatalog catalog, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null || RouteNames.Check("key", key) is not null)
        {
            return JsonBody.BadRequest($"job and key must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad key");
        }
        var (selected, problem) = ParseColumns(columns?.Split(',', StringSplitOptions.TrimEntries), catalog.Find(job), "columns");
        if (problem is not null)
        {
            return problem;
        }
        var started = Stopwatch.GetTimestamp();
        var record = await store.GetAsync(job, key, selected, cancellationToken);
        metrics.RecordLookup("single", record is null ? 0 : 1, record is null ? 1 : 0, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (record is not null)
        {
            return TypedResults.Ok(FeaturesJson.From(record));
        }
        return await UnknownJobAsync(job, catalog, store, cancellationToken)
            ?? TypedResults.Problem($"Job '{job}' has no features for key '{key}'.", statusCode: StatusCodes.Status404NotFound, title: "No features");
    }

    /// <summary>
    /// A 404 naming <paramref name="job"/> when no job of that name is registered and the feature store holds nothing of
    /// it (a typo), else null. Asked only after a miss, so hits stay one read.
    /// </summary>
    private static async Task<ProblemHttpResult?> UnknownJobAsync(string job, Jobs.JobCatalog catalog, FeatureStore store, CancellationToken cancellationToken)
    {
        if (catalog.Find(job) is not null || await store.HasJobAsync(job, cancellationToken))
        {
            return null;
        }
        var known = catalog.Jobs.Select(j => j.Name).Order(StringComparer.Ordinal).ToList();
        return TypedResults.Problem($"There is no job '{job}'" + (known.Count == 0 ? "." : $"; the jobs are {string.Join(", ", known)} (GET /api/jobs)."),
            statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
    }

    private static async Task<Results<Ok<BatchResponse>, ProblemHttpResult>> GetBatchAsync(
        string job, HttpRequest request, FeatureStore store, ApiMetrics metrics, Jobs.JobCatalog catalog, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is { } badJob)
        {
            return (ProblemHttpResult)badJob;
        }
        var (body, problem) = await JsonBody.ReadAsync<BatchRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Keys.Count is 0 or > MaxKeysPerBatch)
        {
            return JsonBody.BadRequest($"Send 1 to {MaxKeysPerBatch} keys; got {body.Keys.Count}.", "Bad batch size");
        }
        for (var i = 0; i < body.Keys.Count; i++)
        {
            if (body.Keys[i] is not { } key || RouteNames.Check("key", key) is not null)
            {
                return JsonBody.BadRequest($"Every key must be 1 to {RouteNames.MaxLength} characters without control characters; keys[{i}] is not.", "Bad key");
            }
        }
        var (selected, columnProblem) = ParseColumns(body.Columns, catalog.Find(job), "columns");
        if (columnProblem is not null)
        {
            return columnProblem;
        }
        var started = Stopwatch.GetTimestamp();
        var records = await store.GetManyAsync(job, body.Keys, selected, cancellationToken);
        var missing = body.Keys.Where((_, i) => records[i] is null).ToList();
        metrics.RecordLookup("batch", body.Keys.Count - missing.Count, missing.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (missing.Count == body.Keys.Count && await UnknownJobAsync(job, catalog, store, cancellationToken) is { } unknown)
        {
            return unknown;
        }
        return TypedResults.Ok(new BatchResponse(records.Select(r => r is null ? null : FeaturesJson.From(r)).ToList(), missing));
    }

    /// <summary>The selected columns, or a 400: a bad list, or (for a registered job) a column the job does not output, named with the valid ones.</summary>
    private static (IReadOnlyList<string>? Columns, ProblemHttpResult? Problem) ParseColumns(IReadOnlyList<string>? columns, Runtime.Jobs.RegisteredJob? job, string field)
    {
        if (columns is null)
        {
            return (null, null);
        }
        if (columns.Count is 0 or > MaxColumns || columns.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 256))
        {
            return (null, JsonBody.BadRequest($"columns must name 1 to {MaxColumns} non-empty columns of at most 256 characters.", "Bad columns"));
        }
        if (job is not null)
        {
            var outputs = job.Declaration.Outputs.Select(o => o.Name).ToList();
            if (columns.FirstOrDefault(c => !outputs.Contains(c, StringComparer.Ordinal)) is { } unknown)
            {
                return (null, JsonBody.BadRequest($"{field}: job '{job.Name}' has no output column '{unknown}'; its columns are {string.Join(", ", outputs)}.",
                    "Unknown column"));
            }
        }
        return (columns.Distinct(StringComparer.Ordinal).ToList(), null);
    }
}
