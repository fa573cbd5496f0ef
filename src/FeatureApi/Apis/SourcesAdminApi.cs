using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Sources managed at run time by admins: <c>POST /api/sources</c> registers one, <c>PUT /api/sources/{source}</c>
/// replaces a definition, <c>DELETE /api/sources/{source}</c> deletes it (stored events stay). Each is validated, stored
/// in the metadata store, applied in this process at once and in every other within the metadata poll interval;
/// every call is in the audit log (as every write is).
/// </summary>
public static class SourcesAdminApi
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Maps the admin endpoints under <c>/api/sources</c>.</summary>
    public static RouteGroupBuilder MapSourcesAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sources").WithTags("Sources").RequireAuthorization(Roles.AdminPolicy);
        group.MapPost("/", CreateAsync).WithSummary("Register a source (admin); 201 with the stored definition and its revision");
        group.MapPut("/{source}", UpdateAsync).WithSummary("Replace a source's definition (admin); ?revision= makes it conditional");
        group.MapDelete("/{source}", DeleteAsync).WithSummary("Delete a source (admin); its stored events stay");
        return group;
    }

    /// <summary>A stored definition and its revision.</summary>
    public sealed record StoredSourceJson(string Name, long Revision, string ChangedBy, long ChangedAt, JsonElement? Definition);

    private static async Task<Results<Created<StoredSourceJson>, ProblemHttpResult>> CreateAsync(HttpRequest request, ClaimsPrincipal user, SourceAdministration admin,
        CancellationToken cancellationToken)
    {
        var (source, problem) = await ReadAsync(request, null, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            var record = await admin.CreateAsync(source!, Actor(user), cancellationToken);
            return TypedResults.Created($"/api/catalog/sources/{Uri.EscapeDataString(record.Name)}", Json(record));
        }
        catch (SourceValidationException e)
        {
            return Invalid(e);
        }
        catch (MetadataConflictException)
        {
            return TypedResults.Problem($"A source named '{source!.Name}' exists; change it with PUT /api/sources/{source.Name} or pick another name.",
                statusCode: StatusCodes.Status409Conflict, title: "Source exists", extensions: new Dictionary<string, object?> { ["field"] = "name" });
        }
    }

    private static async Task<Results<Ok<StoredSourceJson>, ProblemHttpResult>> UpdateAsync(string source, long? revision, HttpRequest request, ClaimsPrincipal user,
        SourceAdministration admin, CancellationToken cancellationToken)
    {
        var (definition, problem) = await ReadAsync(request, source, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            return await admin.UpdateAsync(definition!, revision, Actor(user), cancellationToken) is { } record ? TypedResults.Ok(Json(record)) : NotFound(source);
        }
        catch (SourceValidationException e)
        {
            return Invalid(e);
        }
        catch (MetadataConflictException e)
        {
            return TypedResults.Problem($"Source '{source}' changed since revision {revision} (now {e.Stored?.Revision}); read it again and retry with that revision.",
                statusCode: StatusCodes.Status409Conflict, title: "Source changed", extensions: new Dictionary<string, object?> { ["field"] = "revision" });
        }
    }

    private static async Task<Results<Ok<StoredSourceJson>, ProblemHttpResult>> DeleteAsync(string source, ClaimsPrincipal user, SourceAdministration admin,
        CancellationToken cancellationToken) =>
        await admin.DeleteAsync(source, Actor(user), cancellationToken) is { } record ? TypedResults.Ok(Json(record)) : NotFound(source);

    /// <summary>The body as a definition; for a PUT the route names the source (a body name must agree).</summary>
    private static async Task<(SourceDefinition?, ProblemHttpResult?)> ReadAsync(HttpRequest request, string? routeName, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadBytesAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return (null, TypedResults.Problem($"The body exceeds {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large"));
        }
        try
        {
            if (JsonNode.Parse(body) is not JsonObject json)
            {
                return (null, Problem("body", "The body must be a JSON object: a source definition, e.g. {\"name\":\"payments\",\"format\":\"Json\",\"keyFields\":[\"user_id\"]}."));
            }
            if (routeName is not null)
            {
                var stated = json["name"]?.GetValue<string>();
                if (stated is not null && stated != routeName)
                {
                    return (null, Problem("name", $"The body names '{stated}' but the path names '{routeName}'; a source cannot be renamed: register a new one and delete this one."));
                }
                json["name"] = routeName;
            }
            if (json["name"] is null)
            {
                return (null, Problem("name", "name is required: the source's name, e.g. \"payments\"."));
            }
            return (SourceDefinitions.FromJson(json.ToJsonString()), null);
        }
        catch (JsonException e)
        {
            var field = JsonErrors.Field(e) ?? "body";
            return (null, Problem(field, $"{JsonErrors.Describe(e)} Formats: Debezium, Canal, Maxwell, Json; field types: String, Int, Decimal, Float, Bool; durations as hh:mm:ss."));
        }
        catch (InvalidOperationException)
        {
            return (null, Problem("name", "name: must be a string, the source's name, e.g. \"payments\"."));
        }
    }

    private static ProblemHttpResult Invalid(SourceValidationException e) => Problem(e.Field, $"{e.Field}: {e.Message}");

    private static ProblemHttpResult Problem(string field, string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid source definition", extensions: new Dictionary<string, object?> { ["field"] = field });

    private static ProblemHttpResult NotFound(string source) =>
        TypedResults.Problem($"No source is named '{source}'; GET /api/sources lists them.", statusCode: StatusCodes.Status404NotFound, title: "Unknown source");

    private static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static StoredSourceJson Json(MetadataRecord record) => new(record.Name, record.Revision, record.ChangedBy, record.ChangedAt,
        record.Json is null ? null : JsonSerializer.Deserialize<JsonElement>(record.Json));
}
