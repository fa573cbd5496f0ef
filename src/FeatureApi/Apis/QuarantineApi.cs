using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Quarantine;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// The events a job gave up on after its retries (<see cref="QuarantineLog"/>): a paged list, and a retry (role admin,
/// like the other job switches) that runs the event again through the live path.
/// </summary>
public static class QuarantineApi
{
    /// <summary>Maps <c>GET /api/jobs/{job}/quarantine</c> and <c>POST /api/jobs/{job}/quarantine/{id}/retry</c>.</summary>
    public static RouteGroupBuilder MapQuarantineApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs/{job}/quarantine").WithTags("Jobs").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/", ListAsync)
            .WithSummary("The job's quarantined events (failed Runtime:Quarantine:MaxAttempts runs): error, traceback, input event, attempts; paged with after and limit");
        group.MapPost("/{id}/retry", RetryAsync).RequireAuthorization(Roles.AdminPolicy)
            .WithSummary("Run a quarantined event again through the live path (role admin): on success its results are written and the entry removed; on failure it stays with the new error");
        return group;
    }

    /// <summary>A page of a job's quarantine.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="Count">Entries of the job in all.</param>
    /// <param name="Entries">This page's entries, in id order.</param>
    /// <param name="Next">Pass as <c>after</c> for the next page; null at the end.</param>
    public sealed record QuarantineListJson(string Job, int Count, IReadOnlyList<QuarantineEntry> Entries, string? Next);

    /// <summary>The outcome of a retry.</summary>
    /// <param name="Succeeded">Whether the logic succeeded (results written, entry removed).</param>
    /// <param name="Results">Result rows written.</param>
    /// <param name="Entry">On failure, the entry with the new error.</param>
    public sealed record QuarantineRetryJson(bool Succeeded, int Results, QuarantineEntry? Entry);

    private static async Task<Results<Ok<QuarantineListJson>, ProblemHttpResult>> ListAsync(string job, string? after, int? limit, JobCatalog catalog,
        QuarantineLog quarantine, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null)
        {
            return JsonBody.BadRequest($"job must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad job");
        }
        var max = settings.Quarantine.MaxPageSize;
        if (limit is < 1 || limit > max)
        {
            return JsonBody.BadRequest($"limit must be within 1..{max} (Runtime:Quarantine:MaxPageSize); leave it out for {max}.", "Bad limit");
        }
        if (after is not null && QuarantineEntry.Parse(after) is null)
        {
            return JsonBody.BadRequest("after must be the 'next' value of the previous page; leave it out for the first page.", "Bad after");
        }
        if (catalog.Find(job) is null)
        {
            return NoJob(job);
        }
        var page = await quarantine.ListAsync(job, after, limit ?? max, cancellationToken);
        return TypedResults.Ok(new QuarantineListJson(job, await quarantine.CountAsync(job, cancellationToken), page.Entries, page.Next));
    }

    private static async Task<Results<Ok<QuarantineRetryJson>, ProblemHttpResult>> RetryAsync(string job, string id, JobCatalog catalog, QuarantineRetry retry,
        CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null)
        {
            return JsonBody.BadRequest($"job must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad job");
        }
        if (QuarantineEntry.Parse(id) is null)
        {
            return JsonBody.BadRequest("id must be the id of an entry as listed by GET /api/jobs/{job}/quarantine.", "Bad id");
        }
        if (catalog.Find(job) is null)
        {
            return NoJob(job);
        }
        if (await retry.RetryAsync(job, id, cancellationToken) is not { } outcome)
        {
            return TypedResults.Problem($"Job '{job}' has no quarantined event '{id}' (retried already, or never quarantined); list them with GET /api/jobs/{job}/quarantine.",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown quarantine entry");
        }
        return TypedResults.Ok(new QuarantineRetryJson(outcome.Succeeded, outcome.Results.Count, outcome.Entry));
    }

    private static ProblemHttpResult NoJob(string job) =>
        TypedResults.Problem($"There is no job '{job}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
}
