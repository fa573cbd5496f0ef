using System.Security.Claims;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Models;
using FeaturePlatform.Runtime.Triggers.Samples;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// The model registry: authors upload trained model artifacts with their metadata (immutable, content-addressed
/// versions); everyone may list models and read a version's metadata. A job uses a version once a proposal of its
/// parameter <c>model.&lt;name&gt;</c> is approved (docs/models.md). Every write is audited.
/// </summary>
public static class ModelsApi
{
    /// <summary>Maps <c>/api/models</c>.</summary>
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Models").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/", ListAsync).WithSummary("Every model with its versions (newest first)");
        group.MapGet("/{name}/versions", VersionsAsync).WithSummary("A model's versions, newest first: framework, training range, metrics, author, description, size");
        group.MapGet("/{name}/versions/{version}", GetAsync).WithSummary("One version's metadata");
        group.MapPost("/{name}/versions", UploadAsync).RequireAuthorization(Roles.AuthorPolicy).DisableAntiforgery()
            .WithSummary("Upload a trained model (role author): multipart form with 'file' (the artifact), 'framework' (sklearn | linear-json), 'trainedFrom' and 'trainedTo' (ms or ISO 8601), 'metrics' (a JSON object) and 'description'; the version is the SHA-256 of the file (201 new, 200 the same bytes again)");
        return group;
    }

    private static async Task<Ok<IReadOnlyList<ModelSummary>>> ListAsync(ModelRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListAsync(cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<ModelVersion>>, ProblemHttpResult>> VersionsAsync(string name, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (ModelRegistry.CheckName(name) is { } problem)
        {
            return JsonBody.BadRequest($"name: {problem}.", "Bad model name");
        }
        var versions = await registry.ListVersionsAsync(name, cancellationToken);
        return versions.Count == 0 ? NoModel(name) : TypedResults.Ok(versions);
    }

    private static async Task<Results<Ok<ModelVersion>, ProblemHttpResult>> GetAsync(string name, string version, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (ModelRegistry.CheckName(name) is { } problem)
        {
            return JsonBody.BadRequest($"name: {problem}.", "Bad model name");
        }
        return await registry.GetAsync(name, version, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : TypedResults.Problem($"Model '{name}' has no version '{version}' (GET /api/models/{name}/versions lists them).", statusCode: StatusCodes.Status404NotFound,
                title: "Unknown model version");
    }

    private static async Task<Results<Created<ModelVersion>, Ok<ModelVersion>, ProblemHttpResult>> UploadAsync(string name, HttpRequest request, ClaimsPrincipal user,
        ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return JsonBody.BadRequest("Send a multipart form with 'file', 'framework', 'trainedFrom', 'trainedTo', 'metrics' and 'description'.", "Bad upload");
        }
        if (request.ContentLength > registry.MaxArtifactBytes + (64 << 10))
        {
            return TypedResults.Problem($"'file' is larger than {registry.MaxArtifactBytes} bytes (Runtime:Models:MaxArtifactBytes).", statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Upload too large");
        }
        var form = await request.ReadFormAsync(cancellationToken);
        if (form.Files.GetFile("file") is not { } file)
        {
            return Field("file", "'file' is missing: attach the trained model's artifact.");
        }
        if (TimeText.Problem("trainedFrom", form["trainedFrom"].ToString(), out var from) is { } badFrom)
        {
            return Field("trainedFrom", $"'trainedFrom' must be the start of the training range. {badFrom}");
        }
        if (TimeText.Problem("trainedTo", form["trainedTo"].ToString(), out var to) is { } badTo)
        {
            return Field("trainedTo", $"'trainedTo' must be the end of the training range. {badTo}");
        }
        JsonElement metrics;
        try
        {
            var text = form["metrics"].ToString();
            metrics = JsonSerializer.Deserialize<JsonElement>(text.Length == 0 ? "{}" : text);
        }
        catch (JsonException)
        {
            return Field("metrics", "'metrics' must be a JSON object, e.g. {\"auc\": 0.81}.");
        }
        var upload = new ModelUpload(name, form["framework"].ToString().Trim(), from, to, metrics, user.Identity!.Name!, form["description"].ToString().Trim());
        try
        {
            await using var stream = file.OpenReadStream();
            var (version, created) = await registry.UploadAsync(upload, stream, cancellationToken);
            var location = $"/api/models/{Uri.EscapeDataString(name)}/versions/{version.Version}";
            return created ? TypedResults.Created(location, version) : TypedResults.Ok(version);
        }
        catch (ModelValidationException e)
        {
            return e.TooLarge
                ? TypedResults.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large")
                : Field(e.Field, e.Message);
        }
        catch (ModelConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Version exists");
        }
    }

    private static ProblemHttpResult Field(string field, string message)
    {
        var problem = TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid model upload");
        problem.ProblemDetails.Extensions["field"] = field;
        return problem;
    }

    private static ProblemHttpResult NoModel(string name) =>
        TypedResults.Problem($"There is no model '{name}' (GET /api/models lists them).", statusCode: StatusCodes.Status404NotFound, title: "Unknown model");
}
