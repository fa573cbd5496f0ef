using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// The metadata center (<c>/api/catalog/…</c>, every role may read): sources with their observed schemas, jobs and
/// versions, features, outputs, models, lineage and search across names (<c>docs/catalog.md</c>).
/// </summary>
public static class CatalogApi
{
    /// <summary>Maps <c>/api/catalog</c>.</summary>
    public static RouteGroupBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/catalog").WithTags("Catalog").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/sources", async (CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.SourcesAsync(ct)))
            .WithSummary("Sources: declaration, origin (configuration or api) and revision, observed schema, jobs triggered by and reading each");
        group.MapGet("/sources/{source}", SourceAsync).WithSummary("One source");
        group.MapGet("/jobs", async (CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.JobsAsync(ct)))
            .WithSummary("Jobs: triggers, reads, features, outputs, versions seen, models");
        group.MapGet("/features", async (CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.FeaturesAsync(ct)))
            .WithSummary("Features: columns, types, descriptions, producing job and version, freshness");
        group.MapGet("/outputs", (CatalogService catalog) => TypedResults.Ok(catalog.Outputs())).WithSummary("Configured outputs of the jobs");
        group.MapGet("/models", async (CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.ModelsAsync(ct)))
            .WithSummary("Models (from the model registry, when present)");
        group.MapGet("/lineage", async (string? focus, CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.LineageAsync(focus, ct)))
            .WithSummary("Lineage graph (source → job → feature/output); ?focus=<node id> keeps what is connected to that node");
        group.MapGet("/search", SearchAsync).WithSummary("Search names (and descriptions) of sources, jobs, features, outputs and models; ?q=");
        return group;
    }

    private static async Task<Results<Ok<CatalogSourceJson>, ProblemHttpResult>> SourceAsync(string source, CatalogService catalog, CancellationToken cancellationToken) =>
        (await catalog.SourcesAsync(cancellationToken)).FirstOrDefault(s => s.Name == source) is { } found
            ? TypedResults.Ok(found)
            : TypedResults.Problem($"No source is named '{source}'; GET /api/catalog/sources lists them.", statusCode: StatusCodes.Status404NotFound, title: "Unknown source");

    private static async Task<Results<Ok<IReadOnlyList<SearchHitJson>>, ProblemHttpResult>> SearchAsync(string? q, CatalogService catalog, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > 200)
        {
            return TypedResults.Problem("q: give 1-200 characters to search for, e.g. ?q=orders.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid search",
                extensions: new Dictionary<string, object?> { ["field"] = "q" });
        }
        return TypedResults.Ok(await catalog.SearchAsync(q.Trim(), cancellationToken));
    }
}
