using System.Security.Claims;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Backfill;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Backfills (offline initialisation and correction of the feature store, docs/offline.md): replay a job over a range
/// into the feature store (and chosen output presets) with newest-event-time-wins; progress, a summary of rows written
/// and skipped, and the run's lineage (job version, parameter values, model versions, range, who).
/// </summary>
public static class BackfillsApi
{
    /// <summary>Largest JSON launch body.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Maps <c>/api/backfills</c>.</summary>
    public static RouteGroupBuilder MapBackfillsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/backfills").WithTags("Backfills").RequireAuthorization(Roles.ReadPolicy);
        group.MapPost("/", LaunchAsync).RequireAuthorization(Roles.OperatePolicy).DisableAntiforgery()
            .WithSummary("Start a backfill (role operator or admin): JSON {job, from, to[, source][, sinks][, parameters][, models][, label]} (ms, [from, to)); replays the range into the feature store (and the named output presets); a result older than the stored value of its key is skipped (newest event time wins); 202 with the run");
        group.MapGet("/", List).WithSummary("Backfills, newest first, with progress, summary and lineage");
        group.MapGet("/{id}", Get).WithSummary("A backfill: state, progress (events done of the estimated total, ETA), rows written and skipped (a newer value was stored), job version, versions that ran, parameter values, model versions, range and who started it");
        group.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(Roles.OperatePolicy).WithSummary("Cancel; answers once the run has stopped (role operator or admin)");
        return group;
    }

    /// <summary>A backfill launch.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="From">Start of the range (epoch ms or ISO-8601, inclusive).</param>
    /// <param name="To">End of the range (epoch ms or ISO-8601, exclusive).</param>
    /// <param name="Source">One of the job's trigger sources (default: all, merged).</param>
    /// <param name="Sinks">Output presets also written (GET /api/registry/presets); default: only the feature store.</param>
    /// <param name="Parameters">Parameter values for the whole run (default: the values in force at each event's time).</param>
    /// <param name="Models">Model versions pinned for the whole run (model → version).</param>
    /// <param name="Label">A name for the run.</param>
    public sealed record LaunchRequest(string Job, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long From,
        [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long To, string? Source = null, List<string>? Sinks = null,
        Dictionary<string, JsonElement>? Parameters = null, Dictionary<string, string>? Models = null, string? Label = null);

    /// <summary>A backfill as the API returns it: the run (as a backtest) and the backfill's record.</summary>
    /// <param name="Id">The run's id.</param>
    /// <param name="Run">State, progress, job version, versions that ran, parameter values.</param>
    /// <param name="Backfill">Range, sinks, who, explicit values, rows written and skipped, model versions.</param>
    public sealed record BackfillJson(string Id, BacktestsApi.BacktestJson Run, BackfillRecord Backfill)
    {
        internal static BackfillJson Of(BackfillStatus s) => new(s.Run.Id, BacktestsApi.BacktestJson.Of(s.Run), s.Backfill);
    }

    private static async Task<Results<Accepted<BackfillJson>, ProblemHttpResult>> LaunchAsync(HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<LaunchRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(body!.Job) || RouteNames.Check("job", body.Job) is not null)
        {
            return Bad("job: required, the name of the job to backfill (GET /api/jobs lists them).");
        }
        if (body.To <= body.From)
        {
            return Bad("to: must be greater than from; give a non-empty range [from, to) in ms since the Unix epoch.");
        }
        if (body.Label is { } label && (label.Length > BacktestsApi.MaxLabelLength || label.Any(char.IsControl)))
        {
            return Bad($"label: give a name of at most {BacktestsApi.MaxLabelLength} characters without control characters.");
        }
        if (services.GetService<BackfillService>() is not { Available: true } backfills)
        {
            return TypedResults.Problem("This host runs no jobs (the runtime is not configured or has not started), so it cannot run backfills.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "No runtime");
        }
        Dictionary<string, object?>? values = null;
        if (body.Parameters is { Count: > 0 } || body.Models is { Count: > 0 })
        {
            values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, value) in body.Parameters ?? [])
            {
                values[name] = value;
            }
            foreach (var (model, version) in body.Models ?? [])
            {
                if (Runtime.Models.ModelRegistry.CheckName(model) is not null || !Runtime.Models.ModelRegistry.IsVersion(version))
                {
                    return Bad($"models: '{model}' → '{version}' must be a model name and its 64-hex-digit version (GET /api/models/{{name}}/versions).");
                }
                values[Runtime.Models.ModelBindings.ParameterOf(model)] = version;
            }
        }
        try
        {
            var id = await backfills.StartAsync(new BackfillRequest
            {
                Job = body.Job,
                From = body.From,
                To = body.To,
                Source = body.Source,
                Sinks = body.Sinks ?? [],
                Parameters = values,
                Label = body.Label?.Trim(),
                RequestedBy = user.Identity?.Name ?? "unknown",
            }, cancellationToken);
            return TypedResults.Accepted($"/api/backfills/{id}", BackfillJson.Of(backfills.Get(id)!));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.Problem($"job: there is no job '{body.Job}'. Name one of GET /api/jobs.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
        }
        catch (ParameterValidationException e)
        {
            return Bad($"parameters: {string.Join("; ", e.Problems)}. Give values that fit the job's declarations (GET /api/jobs/{body.Job}/parameters).");
        }
        catch (ArgumentException e)
        {
            return Bad(e.Message);
        }
    }

    private static Ok<List<BackfillJson>> List(IServiceProvider services) =>
        TypedResults.Ok(services.GetService<BackfillService>() is { Available: true } backfills ? backfills.List().Select(BackfillJson.Of).ToList() : []);

    private static Results<Ok<BackfillJson>, ProblemHttpResult> Get(string id, IServiceProvider services) =>
        services.GetService<BackfillService>() is { Available: true } backfills && backfills.Get(id) is { } status ? TypedResults.Ok(BackfillJson.Of(status)) : NoRun(id);

    private static async Task<Results<Ok<BackfillJson>, ProblemHttpResult>> CancelAsync(string id, IServiceProvider services) =>
        services.GetService<BackfillService>() is { Available: true } backfills && await backfills.CancelAsync(id) is { } status ? TypedResults.Ok(BackfillJson.Of(status)) : NoRun(id);

    private static ProblemHttpResult NoRun(string id) =>
        TypedResults.Problem($"There is no backfill '{id}' (GET /api/backfills lists them).", statusCode: StatusCodes.Status404NotFound, title: "Unknown backfill");

    private static ProblemHttpResult Bad(string detail) => JsonBody.BadRequest(detail, "Bad backfill");
}
