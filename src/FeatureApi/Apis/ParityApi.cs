using System.Security.Claims;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Parity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Parity checks (SEMANTICS.md §4): replay a job over a range and compare with what live produced, with the cause of
/// every difference; with <c>"correct": true</c> (operator or admin) also rewrite the outputs that differ.
/// </summary>
public static class ParityApi
{
    /// <summary>Largest JSON launch body.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly string[] Fields = ["job", "from", "to", "correct"];

    /// <summary>Maps <c>/api/parity</c>.</summary>
    public static RouteGroupBuilder MapParityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/parity").WithTags("Parity").RequireAuthorization(Roles.ReadPolicy);
        group.MapPost("/", LaunchAsync).DisableAntiforgery()
            .WithSummary("Start a parity check: JSON {job, from, to[, correct]} (ms since the Unix epoch, [from, to)); 202 with its id. 'correct': true (role operator or admin) also rewrites the outputs that differ");
        group.MapGet("/", List).WithSummary("Parity checks, newest first (reports without the listed rows)");
        group.MapGet("/{id}", Get).WithSummary("A check's state, progress and report: counts (equal, differing, live missing, replay missing, by cause) and the rows not equal with live and replay values and the cause");
        return group;
    }

    /// <summary>A check as the API returns it.</summary>
    /// <param name="Id">The check's id.</param>
    /// <param name="Job">The job.</param>
    /// <param name="From">Start of the range (ms, inclusive).</param>
    /// <param name="To">End of the range (ms, exclusive).</param>
    /// <param name="Correct">A correction run.</param>
    /// <param name="State">Pending, Running, Completed, Failed or Cancelled.</param>
    /// <param name="IsFinished">Whether it has ended.</param>
    /// <param name="EventsDone">Trigger events replayed.</param>
    /// <param name="EstimatedTotal">Trigger events in the range (when counted).</param>
    /// <param name="Counts">Row counts by outcome and cause.</param>
    /// <param name="Differences">Rows not equal (at most the configured number; <paramref name="Truncated"/> says when more exist).</param>
    /// <param name="Truncated">More rows differ than are listed.</param>
    /// <param name="CreatedAt">When it was accepted.</param>
    /// <param name="EndedAt">When it ended.</param>
    /// <param name="FailureReason">Why it failed.</param>
    /// <param name="JobVersion">The job version the replay ran (content hash).</param>
    /// <param name="Versions">Every job version that ran events in the replay, with its event count.</param>
    /// <param name="Parameters">The parameter values the replay ran with.</param>
    /// <param name="Models">Model versions the replay ran with (model → versions), from its parameter values.</param>
    /// <param name="RequestedBy">Who started the check (the API key's name, <c>cli:&lt;user&gt;</c>, <c>schedule</c>), or null when not recorded.</param>
    public sealed record ParityJson(string Id, string Job, long From, long To, bool Correct, string State, bool IsFinished, long EventsDone, long? EstimatedTotal,
        ParityCounts Counts, IReadOnlyList<ParityDifference> Differences, bool Truncated, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? FailureReason,
        string? JobVersion, IReadOnlyDictionary<string, long>? Versions, RunParameters? Parameters, IReadOnlyDictionary<string, IReadOnlyList<string>> Models,
        string? RequestedBy)
    {
        internal static ParityJson Of(ParityStatus s, bool withRows = true) => new(s.Id, s.Job, s.From, s.To, s.Correct, s.State.ToString(), s.IsFinished,
            s.Progress?.EventsDone ?? 0, s.Progress?.EstimatedTotal, s.Counts, withRows ? s.Differences : [], s.Truncated, s.CreatedAt, s.EndedAt, s.FailureReason,
            s.JobVersion, s.Versions, s.Parameters, BacktestsApi.BacktestJson.ModelsOf(s.Parameters), s.RequestedBy);
    }

    private static async Task<Results<Accepted<ParityJson>, ProblemHttpResult>> LaunchAsync(HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var bytes = await JsonBody.ReadBytesAsync(request, MaxBodyBytes, cancellationToken);
        if (bytes is null)
        {
            return TypedResults.Problem($"The body exceeds {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
        }
        var (body, problem) = Parse(bytes);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Correct && !(user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin)))
        {
            return TypedResults.Problem("correct: rewriting outputs needs the role operator or admin; leave 'correct' out (or false) to only check.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }
        if (services.GetService<ParityService>() is not { Available: true } parity)
        {
            return NoRuntime();
        }
        try
        {
            var id = await parity.StartAsync(body with { RequestedBy = user.Identity?.Name }, cancellationToken);
            return TypedResults.Accepted($"/api/parity/{id}", ParityJson.Of(parity.Get(id)!));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.Problem($"job: there is no job '{body.Job}'. Name one of GET /api/jobs.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
        }
        catch (ArgumentException e)
        {
            return Bad($"job: {e.Message}");
        }
    }

    /// <summary>The request, or a 400 naming the field and the fix.</summary>
    private static (ParityRequest? Request, ProblemHttpResult? Problem) Parse(byte[] bytes)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            return (null, Bad("The body is not JSON; send an object {\"job\": \"...\", \"from\": ms, \"to\": ms[, \"correct\": false]}."));
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Bad("The body must be a JSON object {\"job\": \"...\", \"from\": ms, \"to\": ms[, \"correct\": false]}."));
            }
            foreach (var property in root.EnumerateObject())
            {
                if (!Fields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    return (null, Bad($"{property.Name}: not a field of a parity check; the fields are {string.Join(", ", Fields)}."));
                }
            }
            if (!Property(root, "job", out var job) || job.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(job.GetString()))
            {
                return (null, Bad("job: required, the name of the job to check (a string; GET /api/jobs lists them)."));
            }
            if (RouteNames.Check("job", job.GetString()!) is not null)
            {
                return (null, Bad($"job: must be 1 to {RouteNames.MaxLength} characters without control characters."));
            }
            if (!Property(root, "from", out var from) || !TryTime(from, out var fromMs))
            {
                return (null, Bad($"from: required, the start of the range (inclusive) as {Times.TimeMs.Forms}."));
            }
            if (!Property(root, "to", out var to) || !TryTime(to, out var toMs))
            {
                return (null, Bad($"to: required, the end of the range (exclusive) as {Times.TimeMs.Forms}."));
            }
            if (toMs <= fromMs)
            {
                return (null, Bad($"to: must be greater than from ({fromMs}); give a non-empty range [from, to)."));
            }
            if (EventCenter.Ingestion.TimeRangeCheck.RangeProblem(fromMs, toMs) is { } seconds)
            {
                return (null, Bad(seconds));
            }
            var correct = false;
            if (Property(root, "correct", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (null, Bad("correct: must be true (rewrite the outputs that differ) or false (only check)."));
                }
                correct = c.GetBoolean();
            }
            return (new ParityRequest(job.GetString()!, fromMs, toMs, correct), null);
        }
    }

    private static bool TryTime(JsonElement value, out long ms)
    {
        ms = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out ms),
            JsonValueKind.String => Runtime.Triggers.Samples.TimeText.TryParse(value.GetString()!.Trim(), out ms),
            _ => false,
        };
    }

    private static bool Property(JsonElement root, string name, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static Ok<List<ParityJson>> List(IServiceProvider services) =>
        TypedResults.Ok(services.GetService<ParityService>()?.List().Select(s => ParityJson.Of(s, withRows: false)).ToList() ?? []);

    private static Results<Ok<ParityJson>, ProblemHttpResult> Get(string id, IServiceProvider services) =>
        services.GetService<ParityService>()?.Get(id) is { } status
            ? TypedResults.Ok(ParityJson.Of(status))
            : TypedResults.Problem($"There is no parity check '{id}'; GET /api/parity lists the checks (a check still running when its host stopped is not kept).", statusCode: StatusCodes.Status404NotFound,
                title: "Unknown parity check");

    private static ProblemHttpResult Bad(string detail) => JsonBody.BadRequest(detail, "Bad parity check");

    private static ProblemHttpResult NoRuntime() => TypedResults.Problem(
        "This host runs no jobs (the runtime is not configured or has not started), so it cannot check parity.",
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "No runtime");
}
