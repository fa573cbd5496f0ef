using System.Security.Claims;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.FeatureApi.Parameters;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// The parameter workflow of a job: definitions and current values, proposals by operators, review by a different
/// reviewer (approve applies the change), history.
/// </summary>
public static class ParametersApi
{
    /// <summary>Largest accepted proposal or review body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Most parameters changed by one proposal.</summary>
    public const int MaxValuesPerProposal = 100;

    /// <summary>Longest reason text.</summary>
    public const int MaxReasonLength = 2000;

    /// <summary>Maps <c>/api/jobs/{job}/parameters</c>.</summary>
    public static RouteGroupBuilder MapParametersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs/{job}/parameters").WithTags("Parameters").RequireAuthorization(Roles.ReadPolicy)
            .AddEndpointFilter(async (context, next) => RouteNames.Check(context.HttpContext, "job") ?? await next(context));
        group.MapGet("/", GetDefinitionsAsync).WithSummary("Declared parameters (type, bounds, choices, description, default) and current values");
        group.MapPost("/proposals", ProposeAsync).RequireAuthorization(Roles.OperatePolicy)
            .WithSummary("Propose new values (role operator); validated against the declarations");
        group.MapGet("/proposals", ListAsync).WithSummary("Proposals, newest first (default: pending ones; state=all for every state)");
        group.MapGet("/proposals/{id}", GetAsync).WithSummary("One proposal");
        group.MapPost("/proposals/{id}/approve", (string job, string id, HttpRequest request, ClaimsPrincipal user, ProposalStore store,
                IParameterDefinitions definitions, IParameterApplier applier, TimeProvider clock, CancellationToken cancellationToken) =>
                ReviewAsync(job, id, approve: true, request, user, store, definitions, applier, clock, cancellationToken))
            .RequireAuthorization(Roles.ReviewPolicy).WithSummary("Approve and apply (role reviewer, not the proposer)");
        group.MapPost("/proposals/{id}/reject", (string job, string id, HttpRequest request, ClaimsPrincipal user, ProposalStore store,
                IParameterDefinitions definitions, IParameterApplier applier, TimeProvider clock, CancellationToken cancellationToken) =>
                ReviewAsync(job, id, approve: false, request, user, store, definitions, applier, clock, cancellationToken))
            .RequireAuthorization(Roles.ReviewPolicy).WithSummary("Reject (role reviewer, not the proposer; a reason is required)");
        group.MapGet("/history", HistoryAsync).WithSummary("Reviewed proposals, newest first: who proposed and reviewed, when and why");
        group.MapGet("/changes", ChangesAsync).WithSummary("Approved changes with their effective times, in the order they apply (what replays use at each event time)");
        return group;
    }

    /// <summary>A parameter's declaration and current value.</summary>
    public sealed record ParameterJson(string Name, string Type, string Description, object Default, double? Min, double? Max, IReadOnlyList<object> Choices, object? Current);

    /// <summary>A job's parameters.</summary>
    public sealed record ParametersJson(string Job, IReadOnlyList<ParameterJson> Parameters);

    /// <summary>A proposal: parameter → new value, and why; optionally when it takes effect once approved (ms; default: at approval).</summary>
    public sealed record ProposeRequest(Dictionary<string, JsonElement> Values, string Reason, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.NullableTimeJsonConverter))] long? EffectiveAt = null);

    /// <summary>An approved change in the parameter history.</summary>
    /// <param name="Version">Its id (approval time, ms).</param>
    /// <param name="EffectiveAt">When it takes effect (ms).</param>
    /// <param name="Values">The values it sets.</param>
    /// <param name="ChangedBy">Who.</param>
    /// <param name="Reason">Why.</param>
    /// <param name="InForce">Whether it is in force now.</param>
    public sealed record ParameterChangeJson(long Version, long EffectiveAt, IReadOnlyDictionary<string, object?> Values, string ChangedBy, string Reason, bool InForce);

    private static async Task<Results<Ok<List<ParameterChangeJson>>, ProblemHttpResult>> ChangesAsync(string job, JobCatalog catalog, IServiceProvider services,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (catalog.Find(job) is null)
        {
            return NoJob(job);
        }
        if (!catalog.IsRuntimes || services.GetService<Runtime.Parameters.IParameterStore>() is not { } store)
        {
            return TypedResults.Ok(new List<ParameterChangeJson>());
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var history = await store.GetHistoryAsync(job, cancellationToken);
        return TypedResults.Ok(history.Changes.Select(c => new ParameterChangeJson(c.Version, c.EffectiveAt, c.Values, c.ChangedBy, c.Reason, c.EffectiveAt <= now)).ToList());
    }

    /// <summary>A review: the reviewer's reason (required to reject).</summary>
    public sealed record ReviewRequest(string? Reason = null);

    private static async Task<Results<Ok<ParametersJson>, ProblemHttpResult>> GetDefinitionsAsync(string job, IParameterDefinitions definitions, CancellationToken cancellationToken)
    {
        var parameters = await definitions.GetAsync(job, cancellationToken);
        if (parameters is null)
        {
            return NoJob(job);
        }
        return TypedResults.Ok(new ParametersJson(parameters.Job, parameters.Definitions.Select(d => new ParameterJson(
            d.Name, d.Type.ToString().ToLowerInvariant(), d.Description, d.Default, d.Min, d.Max, d.Choices,
            parameters.Current.GetValueOrDefault(d.Name, d.Default))).ToList()));
    }

    private static async Task<Results<Created<ParameterProposal>, ProblemHttpResult, ValidationProblem>> ProposeAsync(
        string job, HttpRequest request, ClaimsPrincipal user, ProposalStore store, IParameterDefinitions definitions, TimeProvider clock, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<ProposeRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Values.Count is 0 or > MaxValuesPerProposal)
        {
            return JsonBody.BadRequest($"Propose 1 to {MaxValuesPerProposal} values; got {body.Values.Count}.", "Bad proposal");
        }
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > MaxReasonLength)
        {
            return JsonBody.BadRequest($"A reason (1 to {MaxReasonLength} characters) is required.", "Bad proposal");
        }
        var parameters = await definitions.GetAsync(job, cancellationToken);
        if (parameters is null)
        {
            return NoJob(job);
        }
        var (_, errors) = ParameterValidator.Validate(parameters.Definitions, body.Values);
        if (errors.Count == 0)
        {
            // A model binding (model.<name>) must name a version the registry holds (docs/models.md).
            errors = await ModelBindingCheck.ProblemsAsync(services.GetService<Runtime.Models.ModelRegistry>(), body.Values, name => name, cancellationToken);
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.Values.SelectMany(e => e)), title: "Invalid parameter values");
        }
        if (body.EffectiveAt is { } effective && effective < clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return JsonBody.BadRequest($"effectiveAt {DateTimeOffset.FromUnixTimeMilliseconds(effective):O} is in the past; give a later time (ms since the Unix epoch) or omit it to take effect at approval.",
                "Bad proposal");
        }
        var previous = body.Values.Keys.ToDictionary(k => k, k => JsonSerializer.SerializeToElement(parameters.Current.GetValueOrDefault(k)), StringComparer.Ordinal);
        var proposal = await store.CreateAsync(job, body.Values, previous, user.Identity!.Name!, body.Reason.Trim(), cancellationToken, body.EffectiveAt);
        return TypedResults.Created($"/api/jobs/{Uri.EscapeDataString(job)}/parameters/proposals/{proposal.Id}", proposal);
    }

    private static async Task<Results<Ok<List<ParameterProposal>>, ProblemHttpResult>> ListAsync(string job, string? state, int? limit, ProposalStore store, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is <= 0 or > 1000)
        {
            return JsonBody.BadRequest("limit must be 1..1000.", "Bad limit");
        }
        ProposalState? filter = ProposalState.Pending;
        if (string.Equals(state, "all", StringComparison.OrdinalIgnoreCase))
        {
            filter = null;
        }
        else if (state is not null)
        {
            if (!Enum.TryParse<ProposalState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return JsonBody.BadRequest($"state must be pending, approved, rejected or all; got '{state}'.", "Bad state");
            }
            filter = parsed;
        }
        return TypedResults.Ok(await Take(store.ListAsync(job, filter, cancellationToken), take));
    }

    private static async Task<Results<Ok<ParameterProposal>, ProblemHttpResult>> GetAsync(string job, string id, ProposalStore store, CancellationToken cancellationToken)
    {
        var proposal = await store.GetAsync(job, id, cancellationToken);
        return proposal is null ? NoProposal(job, id) : TypedResults.Ok(proposal);
    }

    private static async Task<Results<Ok<List<ParameterProposal>>, ProblemHttpResult>> HistoryAsync(string job, int? limit, ProposalStore store, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is <= 0 or > 1000)
        {
            return JsonBody.BadRequest("limit must be 1..1000.", "Bad limit");
        }
        var reviewed = store.ListAsync(job, null, cancellationToken).Where(p => p.State != ProposalState.Pending);
        return TypedResults.Ok(await Take(reviewed, take));
    }

    private static async Task<Results<Ok<ParameterProposal>, ProblemHttpResult>> ReviewAsync(string job, string id, bool approve, HttpRequest request,
        ClaimsPrincipal user, ProposalStore store, IParameterDefinitions definitions, IParameterApplier applier, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken, whenEmpty: new ReviewRequest());
        if (problem is not null)
        {
            return problem;
        }
        var reason = body!.Reason?.Trim();
        if (reason?.Length > MaxReasonLength || (!approve && string.IsNullOrEmpty(reason)))
        {
            return JsonBody.BadRequest($"A reason of 1 to {MaxReasonLength} characters is {(approve ? "allowed" : "required to reject")}.", "Bad review");
        }
        var reviewer = user.Identity!.Name!;
        var proposal = await store.GetAsync(job, id, cancellationToken);
        if (proposal is null)
        {
            return NoProposal(job, id);
        }
        if (string.Equals(proposal.ProposedBy, reviewer, StringComparison.Ordinal))
        {
            return TypedResults.Problem($"'{reviewer}' proposed this change and cannot review it; another reviewer must approve or reject it.",
                statusCode: StatusCodes.Status403Forbidden, title: "Self-review refused");
        }
        if (proposal.State != ProposalState.Pending)
        {
            return AlreadyReviewed(proposal);
        }
        Dictionary<string, object> values = [];
        if (approve)
        {
            var parameters = await definitions.GetAsync(job, cancellationToken);
            if (parameters is null)
            {
                return NoJob(job);
            }
            var (typed, errors) = ParameterValidator.Validate(parameters.Definitions, proposal.Values);
            if (errors.Count > 0)
            {
                return TypedResults.Problem($"The proposal no longer fits the job's declarations: {string.Join(" ", errors.Values.SelectMany(e => e))} Reject it instead.",
                    statusCode: StatusCodes.Status409Conflict, title: "Proposal no longer valid");
            }
            values = typed;
            if (proposal.EffectiveAt is { } stated && stated < clock.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return TypedResults.Problem($"The proposal was to take effect at {DateTimeOffset.FromUnixTimeMilliseconds(stated):O}, which has passed; a change cannot take effect in the past. Reject it and propose it again.",
                    statusCode: StatusCodes.Status409Conflict, title: "Effective time passed");
            }
        }
        var decided = proposal with
        {
            State = approve ? ProposalState.Approved : ProposalState.Rejected,
            ReviewedBy = reviewer,
            ReviewedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ReviewReason = reason,
        };
        if (!await store.TryDecideAsync(decided, cancellationToken))
        {
            var current = await store.GetAsync(job, id, cancellationToken);
            return AlreadyReviewed(current ?? proposal);
        }
        if (!approve)
        {
            return TypedResults.Ok(decided);
        }
        try
        {
            await applier.ApplyAsync(job, values, $"{proposal.ProposedBy} (approved by {reviewer})", $"{proposal.Reason} [proposal {id}]", cancellationToken,
                proposal.EffectiveAt);
            decided = decided with { AppliedAt = clock.GetUtcNow().ToUnixTimeMilliseconds() };
            await store.RecordApplyAsync(decided, CancellationToken.None);
            return TypedResults.Ok(decided);
        }
        catch (Exception e) when (e is not OperationCanceledException && StorageUnavailableException.Find(e) is null)
        {
            decided = decided with { ApplyError = e.Message };
            await store.RecordApplyAsync(decided, CancellationToken.None);
            return TypedResults.Problem($"The proposal is approved but applying it to job '{job}' failed: {e.Message}",
                statusCode: StatusCodes.Status500InternalServerError, title: "Apply failed");
        }
    }

    private static ProblemHttpResult AlreadyReviewed(ParameterProposal p) => TypedResults.Problem(
        $"The proposal was already {p.State.ToString().ToLowerInvariant()} by '{p.ReviewedBy}' at {DateTimeOffset.FromUnixTimeMilliseconds(p.ReviewedAt ?? 0):O}.",
        statusCode: StatusCodes.Status409Conflict, title: "Already reviewed");

    private static ProblemHttpResult NoJob(string job) =>
        TypedResults.Problem($"There is no job '{job}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");

    private static ProblemHttpResult NoProposal(string job, string id) =>
        TypedResults.Problem($"Job '{job}' has no proposal '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown proposal");

    private static async Task<List<ParameterProposal>> Take(IAsyncEnumerable<ParameterProposal> source, int take)
    {
        var list = new List<ParameterProposal>();
        await foreach (var p in source)
        {
            list.Add(p);
            if (list.Count == take)
            {
                break;
            }
        }
        return list;
    }
}
