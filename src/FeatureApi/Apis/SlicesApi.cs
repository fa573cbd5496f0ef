using System.Security.Claims;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Slices;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Slices (切片, docs/offline.md): the state of every entity of a source as of T — per key the latest event with event
/// time ≤ T, deleted entities left out — taken in the background and downloaded as Parquet or CSV.
/// </summary>
public static class SlicesApi
{
    /// <summary>Largest JSON body.</summary>
    public const int MaxBodyBytes = 4 * 1024;

    /// <summary>Maps <c>/api/sources/{source}/slices</c> and <c>/api/slices</c>.</summary>
    public static void MapSlicesApi(this IEndpointRouteBuilder app)
    {
        var bySource = app.MapGroup("/api/sources/{source}/slices").WithTags("Slices").RequireAuthorization(Roles.ReadPolicy);
        bySource.MapPost("/", StartAsync).RequireAuthorization(Roles.OperatePolicy).DisableAntiforgery()
            .WithSummary("Take a slice of the source (role operator or admin): JSON {asOf} (ms, inclusive); 202 with the slice, which runs in the background (progress: events scanned)");
        bySource.MapGet("/", (string source, SliceService slices) => TypedResults.Ok(slices.List(source))).WithSummary("The source's slices, newest first");
        var slices = app.MapGroup("/api/slices").WithTags("Slices").RequireAuthorization(Roles.ReadPolicy);
        slices.MapGet("/", (SliceService service) => TypedResults.Ok(service.List())).WithSummary("Every slice, newest first (daily slices included)");
        slices.MapGet("/{id}", Get).WithSummary("A slice: state, progress, entities, the source's watermark when it was taken and whether it had passed T, columns and types");
        slices.MapGet("/{id}/slice.parquet", (string id, SliceService service) => File(id, service, SliceService.ParquetFile, "application/vnd.apache.parquet"))
            .WithSummary("The slice as Parquet: key, event_time, event_id, operation and the rows' fields typed by their values; source, as-of time and watermark as file metadata");
        slices.MapGet("/{id}/slice.csv", (string id, SliceService service) => File(id, service, SliceService.CsvFile, "text/csv"))
            .WithSummary("The slice as CSV (same columns as the Parquet file)");
    }

    /// <summary>A slice request.</summary>
    /// <param name="AsOf">T: epoch ms or ISO-8601, inclusive.</param>
    public sealed record SliceBody([property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long AsOf);

    private static async Task<Results<Accepted<SliceRecord>, ProblemHttpResult>> StartAsync(string source, HttpRequest request, ClaimsPrincipal user, SliceService slices,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<SliceBody>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            var id = slices.Start(source, body!.AsOf, user.Identity?.Name ?? "unknown");
            return TypedResults.Accepted($"/api/slices/{id}", slices.Get(id)!);
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.Problem($"source: there is no source '{source}'. Name one of GET /api/sources.", statusCode: StatusCodes.Status404NotFound, title: "Unknown source");
        }
    }

    private static Results<Ok<SliceRecord>, ProblemHttpResult> Get(string id, SliceService slices) =>
        slices.Get(id) is { } record ? TypedResults.Ok(record) : NoSlice(id);

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> File(string id, SliceService slices, string file, string contentType)
    {
        if (slices.Get(id) is not { } record)
        {
            return NoSlice(id);
        }
        if (record.State != "Completed")
        {
            return TypedResults.Problem($"Slice '{id}' is {record.State.ToLowerInvariant()}; its files are readable once it has completed.",
                statusCode: StatusCodes.Status409Conflict, title: "Slice not completed");
        }
        return slices.FileOf(id, file) is { } path
            ? TypedResults.PhysicalFile(path, contentType, $"{record.Source}-{record.AsOf}{Path.GetExtension(file)}")
            : NoSlice(id);
    }

    private static ProblemHttpResult NoSlice(string id) =>
        TypedResults.Problem($"There is no slice '{id}' (GET /api/slices lists them).", statusCode: StatusCodes.Status404NotFound, title: "Unknown slice");
}
