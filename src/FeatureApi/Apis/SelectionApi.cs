using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using System.Text;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Runtime.Selection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Feature selection (圈选): entities of a job chosen by predicates over its feature columns — count at once, keys
/// paged by cursor, exports (CSV/Parquet) as runs with progress, and saved selections (docs/selection.md).
/// </summary>
public static class SelectionApi
{
    /// <summary>Largest accepted body.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Maps <c>POST /api/features/{job}:select</c> and <c>/api/selections</c>.</summary>
    public static IEndpointRouteBuilder MapSelectionApi(this IEndpointRouteBuilder app)
    {
        var features = app.MapGroup("/api/features").WithTags("Selection").RequireAuthorization(Roles.ReadPolicy);
        features.MapPost("/{job}:select", SelectAsync).DisableAntiforgery()
            .WithSummary("Select entities by their features: JSON {predicate, columns, pageSize, cursor, maxAgeSeconds[, export: csv|parquet]}; the count and a page of keys, or (with export) 202 and an export run");
        features.MapGet("/{job}:columns", ColumnsAsync).WithSummary("The job's feature columns and the kinds of value each holds (what selection predicates are checked against)");
        var group = app.MapGroup("/api/selections").WithTags("Selection").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/", ListAsync).WithSummary("Saved selections");
        group.MapGet("/{name}", GetAsync).WithSummary("A saved selection");
        group.MapPut("/{name}", SaveAsync).RequireAuthorization(Roles.AuthorPolicy).DisableAntiforgery()
            .WithSummary("Save a selection by name: JSON {job, predicate, columns, maxAgeSeconds, description}; checked against the job's columns first");
        group.MapDelete("/{name}", DeleteAsync).RequireAuthorization(Roles.AuthorPolicy).WithSummary("Delete a saved selection");
        group.MapPost("/{name}:run", RunAsync).DisableAntiforgery()
            .WithSummary("Re-run a saved selection: JSON {pageSize, cursor[, export]} (optional); as POST /api/features/{job}:select");
        group.MapGet("/runs", ListRuns).WithSummary("Export runs, newest first, this host's and those of earlier hosts (who started each, state, rows written)");
        group.MapGet("/runs/{id}", GetRun).WithSummary("An export run: state, rows written of the total, progress");
        group.MapGet("/runs/{id}/file", GetFile).WithSummary("The file of a finished export run (CSV or Parquet)");
        return app;
    }

    /// <summary>A selection request.</summary>
    /// <param name="Predicate">The predicate (docs/selection.md); null or absent selects every entity.</param>
    /// <param name="Columns">Feature columns returned with each key (and written to exports); null: keys only.</param>
    /// <param name="PageSize">Keys on the page (default 100, at most 10,000).</param>
    /// <param name="Cursor">The previous page's nextCursor.</param>
    /// <param name="MaxAgeSeconds">Only entities whose features were updated (event time) within this many seconds.</param>
    /// <param name="Export"><c>csv</c> or <c>parquet</c>: start an export run instead of answering a page.</param>
    public sealed record SelectRequest(JsonElement? Predicate = null, IReadOnlyList<string>? Columns = null, int? PageSize = null, string? Cursor = null,
        double? MaxAgeSeconds = null, string? Export = null);

    /// <summary>A saved selection as sent and returned.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="Predicate">The predicate.</param>
    /// <param name="Columns">Columns returned with each key.</param>
    /// <param name="MaxAgeSeconds">The freshness bound, or null.</param>
    /// <param name="Description">What it is for.</param>
    public sealed record SaveRequest(string Job, JsonElement? Predicate = null, IReadOnlyList<string>? Columns = null, double? MaxAgeSeconds = null, string? Description = null);

    /// <summary>Re-running a saved selection.</summary>
    /// <param name="PageSize">Keys on the page.</param>
    /// <param name="Cursor">The previous page's nextCursor.</param>
    /// <param name="Export"><c>csv</c> or <c>parquet</c> for an export run.</param>
    public sealed record RunRequest(int? PageSize = null, string? Cursor = null, string? Export = null);

    /// <summary>A matching entity.</summary>
    /// <param name="Key">The entity key.</param>
    /// <param name="Updated">Its features' newest event time (ms).</param>
    /// <param name="Values">The chosen columns (absent when none were chosen).</param>
    public sealed record SelectedJson(string Key, long Updated, IReadOnlyDictionary<string, JsonElement>? Values);

    /// <summary>The answer to a selection.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="Count">Entities that match (all pages).</param>
    /// <param name="Keys">This page, in ordinal key order.</param>
    /// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last.</param>
    /// <param name="Engine"><c>memory</c>, <c>scan</c> or <c>scan+pushdown</c>.</param>
    /// <param name="PushedDown">The HBase filter string sent with the scan, when any.</param>
    /// <param name="TookMs">Time to answer.</param>
    public sealed record SelectResponse(string Job, long Count, IReadOnlyList<SelectedJson> Keys, string? NextCursor, string Engine, string? PushedDown, double TookMs);

    /// <summary>An export run.</summary>
    /// <param name="Id">Its id.</param>
    /// <param name="Job">The job.</param>
    /// <param name="Format">csv or parquet.</param>
    /// <param name="State">Running, Succeeded or Failed.</param>
    /// <param name="Total">Matches to write (-1 until counted).</param>
    /// <param name="Written">Rows written.</param>
    /// <param name="Progress">0..1.</param>
    /// <param name="StartedAt">Start (ms).</param>
    /// <param name="FinishedAt">End (ms).</param>
    /// <param name="Error">Why it failed.</param>
    /// <param name="Columns">Columns after key and updated.</param>
    /// <param name="Selection">The saved selection it ran.</param>
    /// <param name="File">Where to download the file once succeeded.</param>
    /// <param name="RequestedBy">Who started it (the API key's name), or null when not recorded.</param>
    /// <param name="Predicate">The predicate it selected with, as written; null: every entity.</param>
    /// <param name="JobVersion">The job's version running when it started.</param>
    /// <param name="Parameters">The job's parameter values when it started.</param>
    public sealed record RunJson(string Id, string Job, string Format, string State, long Total, long Written, double Progress, long StartedAt, long? FinishedAt,
        string? Error, IReadOnlyList<string> Columns, string? Selection, string? File, string? RequestedBy, JsonElement? Predicate, string? JobVersion,
        IReadOnlyDictionary<string, object?>? Parameters)
    {
        internal static RunJson Of(SelectionRunStatus s) => new(s.Id, s.Job, s.Format.ToString().ToLowerInvariant(), s.State.ToString(), s.Total, s.Written, s.Progress,
            s.StartedAt, s.FinishedAt, s.Error, s.Columns, s.Selection, s.State == SelectionRunState.Succeeded ? $"/api/selections/runs/{s.Id}/file" : null, s.RequestedBy,
            s.PredicateText is { } text ? JsonDocument.Parse(text).RootElement.Clone() : null, s.JobVersion, s.Parameters);
    }

    /// <summary>A saved selection.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Job">The job.</param>
    /// <param name="Predicate">The predicate.</param>
    /// <param name="Columns">Columns.</param>
    /// <param name="MaxAgeSeconds">Freshness bound.</param>
    /// <param name="Description">What it is for.</param>
    /// <param name="Revision">Revision.</param>
    /// <param name="ChangedBy">Who saved it.</param>
    /// <param name="ChangedAt">When (ms).</param>
    public sealed record SavedJson(string Name, string Job, JsonElement Predicate, IReadOnlyList<string> Columns, double? MaxAgeSeconds, string? Description,
        long Revision, string? ChangedBy, long ChangedAt)
    {
        internal static SavedJson Of(SavedSelection s) => new(s.Name, s.Job, s.Predicate, s.Columns, s.MaxAgeSeconds, s.Description, s.Revision, s.ChangedBy, s.ChangedAt);
    }

    private static async Task<Results<Ok<SelectResponse>, Accepted<RunJson>, ProblemHttpResult>> SelectAsync(string job, HttpRequest request,
        [AsParameters] SelectionApiServices services, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is { } badJob)
        {
            return (ProblemHttpResult)badJob;
        }
        var (body, problem) = await JsonBody.ReadAsync<SelectRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return await AnswerAsync(job, body!.Predicate, body.Columns, body.MaxAgeSeconds, body.PageSize, body.Cursor, body.Export, null, request.HttpContext.User.Identity?.Name,
            services.Selection, cancellationToken);
    }

    private static async Task<Results<Ok<SelectResponse>, Accepted<RunJson>, ProblemHttpResult>> RunAsync(string name, HttpRequest request,
        [AsParameters] SelectionApiServices services, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken, whenEmpty: new RunRequest());
        if (problem is not null)
        {
            return problem;
        }
        if (await services.Saved.GetAsync(name, cancellationToken) is not { } saved)
        {
            return TypedResults.Problem($"There is no saved selection '{name}'; list them with GET /api/selections.", statusCode: StatusCodes.Status404NotFound, title: "No such selection");
        }
        return await AnswerAsync(saved.Job, saved.Predicate, saved.Columns, saved.MaxAgeSeconds, body!.PageSize, body.Cursor, body.Export, name,
            request.HttpContext.User.Identity?.Name, services.Selection, cancellationToken);
    }

    private static async Task<Results<Ok<SelectResponse>, Accepted<RunJson>, ProblemHttpResult>> AnswerAsync(string job, JsonElement? predicateJson,
        IReadOnlyList<string>? columns, double? maxAgeSeconds, int? pageSize, string? cursor, string? export, string? savedName, string? user, SelectionService selection,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var spec = Spec(job, predicateJson, columns, maxAgeSeconds);
            if (export is not null)
            {
                var format = export.ToLowerInvariant() switch
                {
                    "csv" => ExportFormat.Csv,
                    "parquet" => ExportFormat.Parquet,
                    _ => throw new SelectionException("export", $"export is 'csv' or 'parquet', not '{export}'."),
                };
                var run = await selection.ExportAsync(spec, format, savedName, user, cancellationToken);
                return TypedResults.Accepted($"/api/selections/runs/{run.Id}", RunJson.Of(run));
            }
            var after = cursor is null ? null : DecodeCursor(cursor);
            var page = await selection.SelectAsync(spec, pageSize, after, cancellationToken);
            var keys = page.Rows.Select(r => new SelectedJson(r.Key, r.Updated, spec.Columns.Count == 0 ? null
                : spec.Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => ToJson(r.Values[x.i])))).ToList();
            return TypedResults.Ok(new SelectResponse(job, page.Count, keys, page.NextAfter is null ? null : EncodeCursor(page.NextAfter), page.Engine, page.PushedDown,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }
        catch (SelectionException e)
        {
            return Invalid(e);
        }
    }

    private static SelectionSpec Spec(string job, JsonElement? predicateJson, IReadOnlyList<string>? columns, double? maxAgeSeconds)
    {
        var predicate = predicateJson is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } json ? PredicateParser.Parse(json) : new AllOf([]);
        if (columns is not null && (columns.Count > FeaturesApi.MaxColumns || columns.Any(c => string.IsNullOrWhiteSpace(c))))
        {
            throw new SelectionException("columns", $"columns must name at most {FeaturesApi.MaxColumns} non-empty feature columns.");
        }
        if (maxAgeSeconds is { } age && (!double.IsFinite(age) || age <= 0 || age > TimeSpan.MaxValue.TotalSeconds / 2))
        {
            throw new SelectionException("maxAgeSeconds", "maxAgeSeconds must be a positive number of seconds.");
        }
        return new SelectionSpec(job, predicate, columns?.Distinct(StringComparer.Ordinal).ToList() ?? [], maxAgeSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            predicateJson is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } written ? written.GetRawText() : null);
    }

    /// <summary>A job's columns for selection.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="Rows">Entities (in the copy; for the scan engine, in the sample read).</param>
    /// <param name="Columns">Its columns with the kinds of value they hold (Number, String, Boolean, Timestamp, Other).</param>
    /// <param name="Engine">The engine answering selections.</param>
    public sealed record ColumnsJson(string Job, int Rows, IReadOnlyList<ColumnJson> Columns, string Engine);

    /// <summary>A feature column.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Kinds">Kinds of value it holds.</param>
    public sealed record ColumnJson(string Name, IReadOnlyList<string> Kinds);

    private static async Task<Results<Ok<ColumnsJson>, ProblemHttpResult>> ColumnsAsync(string job, [AsParameters] SelectionApiServices services, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is { } badJob)
        {
            return (ProblemHttpResult)badJob;
        }
        var schema = await services.Selection.SchemaAsync(job, cancellationToken);
        return TypedResults.Ok(new ColumnsJson(job, schema.Rows, schema.Columns.Select(c => new ColumnJson(c.Name, c.Kinds.Select(k => k.ToString()).ToList())).ToList(),
            services.Selection.Engine.Name));
    }

    private static async Task<Ok<List<SavedJson>>> ListAsync([AsParameters] SelectionApiServices services, CancellationToken cancellationToken) =>
        TypedResults.Ok((await services.Saved.ListAsync(cancellationToken)).Select(SavedJson.Of).ToList());

    private static async Task<Results<Ok<SavedJson>, ProblemHttpResult>> GetAsync(string name, [AsParameters] SelectionApiServices services, CancellationToken cancellationToken) =>
        await services.Saved.GetAsync(name, cancellationToken) is { } saved
            ? TypedResults.Ok(SavedJson.Of(saved))
            : TypedResults.Problem($"There is no saved selection '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "No such selection");

    private static async Task<Results<Ok<SavedJson>, ProblemHttpResult>> SaveAsync(string name, HttpRequest request, ClaimsPrincipal user,
        [AsParameters] SelectionApiServices services, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("name", name) is { } badName)
        {
            return (ProblemHttpResult)badName;
        }
        if (name is "runs" || name.Contains(':', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal))
        {
            return Invalid(new SelectionException("name", "A selection's name may not be 'runs' nor contain ':' or '/'; pick another."));
        }
        var (body, problem) = await JsonBody.ReadAsync<SaveRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (RouteNames.Check("job", body!.Job ?? "") is not null)
        {
            return Invalid(new SelectionException("job", "Name the job whose features the selection is over (\"job\": \"...\")."));
        }
        try
        {
            var spec = Spec(body.Job!, body.Predicate, body.Columns, body.MaxAgeSeconds);
            await services.Selection.CheckAsync(spec, cancellationToken);
            var saved = await services.Saved.SaveAsync(new SavedSelection(name, body.Job!, PredicateParser.ToJson(spec.Predicate), spec.Columns, body.MaxAgeSeconds, body.Description),
                user.Identity?.Name ?? "unknown", cancellationToken);
            return TypedResults.Ok(SavedJson.Of(saved));
        }
        catch (SelectionException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, ClaimsPrincipal user, [AsParameters] SelectionApiServices services,
        CancellationToken cancellationToken) =>
        await services.Saved.DeleteAsync(name, user.Identity?.Name ?? "unknown", cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"There is no saved selection '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "No such selection");

    private static Ok<List<RunJson>> ListRuns([AsParameters] SelectionApiServices services) => TypedResults.Ok(services.Selection.Runs.List().Select(RunJson.Of).ToList());

    private static Results<Ok<RunJson>, ProblemHttpResult> GetRun(string id, [AsParameters] SelectionApiServices services) =>
        services.Selection.Runs.Find(id) is { } run
            ? TypedResults.Ok(RunJson.Of(run))
            : TypedResults.Problem($"There is no export run '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "No such run");

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> GetFile(string id, [AsParameters] SelectionApiServices services)
    {
        if (services.Selection.Runs.Find(id) is not { } run)
        {
            return TypedResults.Problem($"There is no export run '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "No such run");
        }
        if (services.Selection.Runs.FileOf(id) is not { } path)
        {
            return TypedResults.Problem($"Run '{id}' is {run.State}; its file is there once it succeeded (GET /api/selections/runs/{id}).",
                statusCode: StatusCodes.Status409Conflict, title: "Export not ready");
        }
        var extension = SelectionExport.Extension(run.Format);
        return TypedResults.PhysicalFile(path, run.Format == ExportFormat.Csv ? "text/csv" : "application/vnd.apache.parquet", $"{run.Job}-{id}.{extension}");
    }

    private static ProblemHttpResult Invalid(SelectionException e) => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid selection", extensions: new Dictionary<string, object?> { ["field"] = e.Field });

    private static JsonElement ToJson(CellValue value) => value.Kind switch
    {
        ValueKind.Null => JsonSerializer.SerializeToElement<object?>(null),
        ValueKind.Number => JsonSerializer.SerializeToElement(value.Number),
        ValueKind.Boolean => JsonSerializer.SerializeToElement(value.Number != 0),
        ValueKind.Other => JsonDocument.Parse(value.Text!).RootElement.Clone(),
        _ => JsonSerializer.SerializeToElement(value.Text),
    };

    private static string EncodeCursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    private static string DecodeCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new SelectionException("cursor", "cursor is not one this API gave; pass the nextCursor of the previous page unchanged.");
        }
    }
}

/// <summary>The services of the selection API.</summary>
/// <param name="Selection">Runs selections.</param>
/// <param name="Saved">Saved selections.</param>
internal sealed record SelectionApiServices(SelectionService Selection, SavedSelections Saved);
