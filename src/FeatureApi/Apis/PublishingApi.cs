using System.IO.Compression;
using System.Security.Claims;
using System.Text;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs.Publishing;
using FeaturePlatform.Runtime.Parity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Self-service publishing through the job registry: upload a job module (or a zip of modules) → validated; backtest it
/// against the live version → backtested; a reviewer other than the author approves → approved; promote → live in every
/// runtime process from its next batch; roll back to any earlier version in one step. Every write is audited.
/// </summary>
public static class PublishingApi
{
    /// <summary>Largest JSON body (reviews, promotions, backtests).</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Longest message or reason.</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>Maps <c>/api/registry</c>.</summary>
    public static RouteGroupBuilder MapPublishingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/registry").WithTags("Publishing").RequireAuthorization(Roles.ReadPolicy)
            .AddEndpointFilter(async (context, next) => RouteNames.Check(context.HttpContext, "job") ?? await next(context));
        group.MapGet("/jobs/{job}/versions", ListAsync).WithSummary("The job's registered versions, newest first, with state and history, and its live pointer");
        group.MapGet("/jobs/{job}/versions/{version}", GetAsync).WithSummary("One version with its modules' sources");
        group.MapPost("/jobs/{job}/versions", PublishAsync).RequireAuthorization(Roles.AuthorPolicy).DisableAntiforgery()
            .WithSummary("Publish (role author): multipart form with 'file' (a .py job module or a .zip of modules) and 'message'; validated at once (422 names file and line)");
        group.MapPost("/jobs/{job}/versions/{version}/backtest", BacktestAsync).RequireAuthorization(Roles.AuthorPolicy)
            .WithSummary("Replay the version over {from, to} (ms) and compare with what live produced: rows changed, per-feature shift, example diffs (role author)");
        group.MapPost("/jobs/{job}/versions/{version}/approve", (string job, string version, HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
                CancellationToken ct) => ReviewAsync(job, version, approve: true, request, user, services, ct))
            .RequireAuthorization(Roles.ReviewPolicy).WithSummary("Approve a backtested version (role reviewer, not its author)");
        group.MapPost("/jobs/{job}/versions/{version}/reject", (string job, string version, HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
                CancellationToken ct) => ReviewAsync(job, version, approve: false, request, user, services, ct))
            .RequireAuthorization(Roles.ReviewPolicy).WithSummary("Reject a version (role reviewer, not its author; a reason is required)");
        group.MapPost("/jobs/{job}/promote", (string job, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
                SwitchAsync(job, rollback: false, request, user, services, ct))
            .RequireAuthorization(Roles.ForwardPolicy).WithSummary("Make an approved {version} live in every runtime process from its next batch (role author or operator)");
        group.MapPost("/jobs/{job}/rollback", (string job, HttpRequest request, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
                SwitchAsync(job, rollback: true, request, user, services, ct))
            .RequireAuthorization(Roles.ForwardPolicy).WithSummary("Bring an earlier {version} back live in every runtime process (role author or operator)");
        group.MapPost("/jobs/{job}/retire", RetireAsync).RequireAuthorization(Roles.ForwardPolicy)
            .WithSummary("Retire the job: no live version, it stops running live and on call in every runtime process; its versions stay, promoting one runs it again (role author or operator; a reason is required)");
        group.MapGet("/scenarios", () => TypedResults.Ok(ScenarioTemplates.All))
            .WithSummary("The standard scenarios: template jobs (with their parameters and module template) an author copies into a draft version");
        group.MapPost("/scenarios/{scenario}", FromScenarioAsync).RequireAuthorization(Roles.AuthorPolicy)
            .WithSummary("Copy a standard scenario with {job, parameters, message} into a draft version of that job (role author): rendered, then validated like an upload (201; 400 names a bad parameter)");
        group.MapGet("/presets", (RuntimeSettings settings) => TypedResults.Ok(settings.Outputs.Names.Select(n => Preset(n, settings.Outputs.Find(n)!)).ToList()))
            .WithSummary("The output presets a job may name in @job(sinks=…): admin-defined sinks (Runtime:Outputs:Presets) and feature_store");
        group.MapGet("/helpers", HelpersAsync).WithSummary("The shared helper modules jobs may import (current version of each)");
        group.MapPost("/helpers", PublishHelpersAsync).RequireAuthorization(Roles.AdminPolicy).DisableAntiforgery()
            .WithSummary("Publish shared helper modules (role admin): multipart 'file' (a .py, named by its module path, or a .zip) and 'message'");
        return group;
    }

    /// <summary>A job's versions and live pointer.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="Live">The live pointer (null: nothing promoted yet, each process runs its jobs directory's version).</param>
    /// <param name="Running">The version this process runs now.</param>
    /// <param name="Versions">The registered versions, newest first.</param>
    /// <param name="LiveHistory">Promotions and rollbacks, newest first.</param>
    public sealed record VersionsJson(string Job, LivePointer? Live, string? Running, IReadOnlyList<PublishedVersion> Versions, IReadOnlyList<LivePointer> LiveHistory);

    /// <summary>A copy of a standard scenario: the job it becomes, the scenario's parameter values, and a message (default: what was copied).</summary>
    public sealed record ScenarioRequest(string? Job, IReadOnlyDictionary<string, string>? Parameters = null, string? Message = null);

    /// <summary>An output preset as authors see it.</summary>
    /// <param name="Name">What a declaration names (<c>@job(sinks=[…])</c>).</param>
    /// <param name="Kind"><c>FeatureStore</c>, <c>Kafka</c>, <c>RabbitMq</c> or <c>EventCenter</c>.</param>
    /// <param name="Topic">Kafka: the topic.</param>
    /// <param name="Exchange">RabbitMQ: the exchange.</param>
    /// <param name="RoutingKey">RabbitMQ: the routing key template.</param>
    public sealed record PresetJson(string Name, string Kind, string? Topic, string? Exchange, string? RoutingKey);

    private static PresetJson Preset(string name, Runtime.Outputs.JobOutputSettings preset) =>
        new(name, preset.Kind.ToString(), preset.Topic, preset.Exchange, preset.RoutingKey);

    /// <summary>A version with its sources.</summary>
    public sealed record VersionJson(PublishedVersion Version, IReadOnlyDictionary<string, string> Modules);

    /// <summary>A review: why.</summary>
    public sealed record ReviewRequest(string? Reason = null);

    /// <summary>A promotion or rollback: which version, and why.</summary>
    public sealed record SwitchRequest(string Version, string? Reason = null);

    /// <summary>A backtest of a version: the event-time range [from, to) in ms.</summary>
    public sealed record BacktestRequest([property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long From, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long To);

    /// <summary>The comparison of a candidate version with live over a range.</summary>
    /// <param name="Version">The version after the backtest (state backtested).</param>
    /// <param name="Parity">The replay-vs-live report: row counts (equal, differing, missing) and example diffs.</param>
    /// <param name="RowsChanged">Rows that differ or exist on one side only.</param>
    /// <param name="Features">Per output column, over every compared row: each side's count, nulls, mean, standard deviation and quantiles, the rows where it changed, and for numeric columns PSI and KS.</param>
    public sealed record BacktestJson(PublishedVersion Version, ParityStatus Parity, long RowsChanged, IReadOnlyList<FeatureShift> Features);

    private static async Task<Results<Ok<VersionsJson>, ProblemHttpResult>> ListAsync(string job, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobVersionStore>() is not { } registry)
        {
            return NoRuntime();
        }
        var running = services.GetRequiredService<RuntimeStartup>().Jobs.FirstOrDefault(j => j.Name == job)?.Version;
        return TypedResults.Ok(new VersionsJson(job, await registry.GetLiveAsync(job, cancellationToken), running, await registry.ListAsync(job, cancellationToken),
            await registry.LiveHistoryAsync(job, cancellationToken)));
    }

    private static async Task<Results<Ok<VersionJson>, ProblemHttpResult>> GetAsync(string job, string version, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobVersionStore>() is not { } registry)
        {
            return NoRuntime();
        }
        var found = await registry.GetAsync(version, cancellationToken);
        return found is null || found.Job != job
            ? NoVersion(job, version)
            : TypedResults.Ok(new VersionJson(found, await registry.GetModulesAsync(version, cancellationToken) ?? new Dictionary<string, string>()));
    }

    private static async Task<Results<Created<PublishedVersion>, ProblemHttpResult>> PublishAsync(string job, HttpRequest request, ClaimsPrincipal user,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher || services.GetRequiredService<RuntimeStartup>() is not { Ready.IsCompletedSuccessfully: true } startup)
        {
            return NoRuntime();
        }
        var (files, message, problem) = await ReadUploadAsync(request, services.GetRequiredService<RuntimeSettings>().Publishing.MaxUploadBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        try
        {
            var version = await publisher.PublishAsync(startup.Host, job, files!, user.Identity!.Name!, message!, cancellationToken);
            return TypedResults.Created($"/api/registry/jobs/{Uri.EscapeDataString(job)}/versions/{version.Version}", version);
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<BacktestJson>, ProblemHttpResult>> BacktestAsync(string job, string version, HttpRequest request, ClaimsPrincipal user,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher || services.GetRequiredService<RuntimeStartup>() is not { Ready.IsCompletedSuccessfully: true } startup)
        {
            return NoRuntime();
        }
        var (body, problem) = await JsonBody.ReadAsync<BacktestRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.From >= body.To)
        {
            return JsonBody.BadRequest("Give the range as 'from' < 'to' (ms since the Unix epoch; 'to' is exclusive).", "Bad backtest");
        }
        var registry = services.GetRequiredService<JobVersionStore>();
        var found = await registry.GetAsync(version, cancellationToken);
        if (found is null || found.Job != job)
        {
            return NoVersion(job, version);
        }
        if (found.State is not (VersionState.Validated or VersionState.Backtested))
        {
            return TypedResults.Problem($"Version {version} is {found.State}; only a validated version is backtested before review.", statusCode: StatusCodes.Status409Conflict,
                title: "Not under review");
        }
        var sync = services.GetRequiredService<PublishedVersionSync>();
        var candidate = await sync.LoadAsync(startup.Host, startup.DataSource, job, version, cancellationToken);
        ParityStatus report;
        try
        {
            var parity = services.GetRequiredService<ParityService>();
            var id = await parity.StartAsync(new ParityRequest(job, body.From, body.To) { Version = candidate, Shifts = true, RequestedBy = user.Identity?.Name }, cancellationToken);
            report = (await parity.WaitAsync(id, cancellationToken))!;
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.Problem($"Job '{job}' is not loaded in this process, so there is no live version to compare with; publish a job that runs here.",
                statusCode: StatusCodes.Status409Conflict, title: "No live version");
        }
        catch (ArgumentException e)
        {
            return JsonBody.BadRequest(e.Message, "Bad backtest");
        }
        finally
        {
            await candidate.DisposeAsync();
        }
        if (report.State != Runtime.Replay.RunState.Completed)
        {
            return TypedResults.Problem($"The backtest replay ended {report.State}: {report.FailureReason}", statusCode: StatusCodes.Status409Conflict, title: "Backtest failed");
        }
        var changed = report.Counts.Differing + report.Counts.LiveMissing + report.Counts.ReplayMissing;
        try
        {
            var marked = await publisher.MarkBacktestedAsync(job, version, user.Identity!.Name!,
                $"backtest {report.Id} over [{body.From}, {body.To}): {report.Counts.Computations} computations, {changed} rows changed vs live", cancellationToken);
            return TypedResults.Ok(new BacktestJson(marked, report with { Shifts = null }, changed, report.Shifts ?? []));
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<PublishedVersion>, ProblemHttpResult>> ReviewAsync(string job, string version, bool approve, HttpRequest request, ClaimsPrincipal user,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher)
        {
            return NoRuntime();
        }
        var (body, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken, whenEmpty: new ReviewRequest());
        if (problem is not null)
        {
            return problem;
        }
        var reason = body!.Reason?.Trim() ?? "";
        if (reason.Length > MaxMessageLength || (!approve && reason.Length == 0))
        {
            return JsonBody.BadRequest($"'reason': 1 to {MaxMessageLength} characters are {(approve ? "allowed" : "required to reject")}.", "Bad review");
        }
        try
        {
            var reviewer = user.Identity!.Name!;
            return TypedResults.Ok(approve
                ? await publisher.ApproveAsync(job, version, reviewer, reason, cancellationToken)
                : await publisher.RejectAsync(job, version, reviewer, reason, cancellationToken));
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<LivePointer>, ProblemHttpResult>> SwitchAsync(string job, bool rollback, HttpRequest request, ClaimsPrincipal user,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher)
        {
            return NoRuntime();
        }
        var (body, problem) = await JsonBody.ReadAsync<SwitchRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(body!.Version))
        {
            return JsonBody.BadRequest("'version': name the version (its content hash; GET /api/registry/jobs/{job}/versions lists them).", "Bad request");
        }
        var running = services.GetRequiredService<RuntimeStartup>().Jobs.FirstOrDefault(j => j.Name == job)?.Version ?? "";
        var action = rollback ? "rollback" : "promote";
        Audit.AuditRecord.Describe(request.HttpContext, $"{action} job {job} to version {body.Version}");
        try
        {
            var by = user.Identity!.Name!;
            var pointer = rollback
                ? await publisher.RollbackAsync(job, body.Version, by, running, cancellationToken)
                : await publisher.PromoteAsync(job, body.Version, by, running, cancellationToken);
            Audit.AuditRecord.Describe(request.HttpContext,
                $"{action} job {job} to version {pointer.Version} (replacing {(pointer.Previous.Length > 0 ? pointer.Previous : "nothing: a new or retired job")})");
            services.GetRequiredService<PublishedVersionSync>().Pulse();
            return TypedResults.Ok(pointer);
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Created<PublishedVersion>, ProblemHttpResult>> FromScenarioAsync(string scenario, HttpRequest request, ClaimsPrincipal user,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher || services.GetRequiredService<RuntimeStartup>() is not { Ready.IsCompletedSuccessfully: true } startup)
        {
            return NoRuntime();
        }
        if (ScenarioTemplates.Find(scenario) is not { } template)
        {
            return TypedResults.Problem($"There is no scenario '{scenario}'; GET /api/registry/scenarios lists them ({string.Join(", ", ScenarioTemplates.All.Select(s => s.Name))}).",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown scenario");
        }
        var (body, problem) = await JsonBody.ReadAsync<ScenarioRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var values = body!.Parameters ?? new Dictionary<string, string>();
        var message = body.Message?.Trim() is { Length: > 0 } m ? m
            : $"from scenario {scenario} ({string.Join(", ", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"))})";
        if (message.Length > MaxMessageLength)
        {
            return JsonBody.BadRequest($"'message': at most {MaxMessageLength} characters.", "Bad request");
        }
        try
        {
            var job = body.Job ?? "";
            var module = template.Render(job, values);
            var version = await publisher.PublishAsync(startup.Host, job, new Dictionary<string, string>(StringComparer.Ordinal) { [job + ".py"] = module },
                user.Identity!.Name!, message, cancellationToken);
            return TypedResults.Created($"/api/registry/jobs/{Uri.EscapeDataString(job)}/versions/{version.Version}", version);
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<LivePointer>, ProblemHttpResult>> RetireAsync(string job, HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        if (services.GetService<JobPublisher>() is not { } publisher)
        {
            return NoRuntime();
        }
        var (body, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken, whenEmpty: new ReviewRequest());
        if (problem is not null)
        {
            return problem;
        }
        var reason = body!.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > MaxMessageLength)
        {
            return JsonBody.BadRequest($"'reason': say why the job is retired, in 1 to {MaxMessageLength} characters.", "Bad request");
        }
        var running = services.GetRequiredService<RuntimeStartup>().Jobs.FirstOrDefault(j => j.Name == job)?.Version ?? "";
        Audit.AuditRecord.Describe(request.HttpContext, $"retire job {job}");
        try
        {
            var pointer = await publisher.RetireAsync(job, user.Identity!.Name!, reason, running, cancellationToken);
            Audit.AuditRecord.Describe(request.HttpContext, $"retire job {job} (version {pointer.Previous} retired: {reason})");
            services.GetRequiredService<PublishedVersionSync>().Pulse();
            return TypedResults.Ok(pointer);
        }
        catch (PublishingException e)
        {
            return Problem(e);
        }
    }

    private static async Task<Results<Ok<List<HelperVersion>>, ProblemHttpResult>> HelpersAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetService<JobVersionStore>() is not { } registry
            ? NoRuntime()
            : TypedResults.Ok((await registry.CurrentHelpersAsync(cancellationToken)).Values.Select(h => h.Helper).OrderBy(h => h.Module, StringComparer.Ordinal).ToList());

    private static async Task<Results<Ok<List<HelperVersion>>, ProblemHttpResult>> PublishHelpersAsync(HttpRequest request, ClaimsPrincipal user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        if (services.GetService<JobVersionStore>() is not { } registry)
        {
            return NoRuntime();
        }
        var (files, message, problem) = await ReadUploadAsync(request, services.GetRequiredService<RuntimeSettings>().Publishing.MaxUploadBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var published = new List<HelperVersion>();
        foreach (var (path, source) in files!)
        {
            var module = ModuleName(path);
            if (module is null)
            {
                return JsonBody.BadRequest($"'file': '{path}' is not a module path (dotted identifiers as folders, ending in .py).", "Bad upload");
            }
            published.Add(await registry.PublishHelperAsync(module, source, user.Identity!.Name!, message!, cancellationToken));
        }
        return TypedResults.Ok(published);
    }

    private static string? ModuleName(string path)
    {
        var parts = path[..^3].Split('/').ToList();
        if (parts[^1] == "__init__")
        {
            parts.RemoveAt(parts.Count - 1);
        }
        return parts.Count > 0 && parts.All(p => p.Length > 0 && !char.IsAsciiDigit(p[0]) && p.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) ? string.Join('.', parts) : null;
    }

    private static async Task<(IReadOnlyDictionary<string, string>? Files, string? Message, ProblemHttpResult? Problem)> ReadUploadAsync(HttpRequest request, long maxBytes,
        CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, null, JsonBody.BadRequest("Send a multipart form with 'file' (a .py module or a .zip of modules) and 'message'.", "Bad upload"));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, null, TypedResults.Problem($"'file': the upload exceeds {maxBytes} bytes (Runtime:Publishing:MaxUploadBytes).", statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Upload too large"));
        }
        var form = await request.ReadFormAsync(cancellationToken);
        var file = form.Files.GetFile("file");
        var message = form["message"].ToString().Trim();
        if (file is null || file.Length == 0)
        {
            return (null, null, JsonBody.BadRequest("'file': send a non-empty .py module or .zip of modules.", "Bad upload"));
        }
        if (message.Length is 0 or > MaxMessageLength)
        {
            return (null, null, JsonBody.BadRequest($"'message': say what changed, in 1 to {MaxMessageLength} characters.", "Bad upload"));
        }
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var name = Path.GetFileName(file.FileName);
        try
        {
            if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                // Read into memory first (bounded by the upload limit): the form's file stream throws ArgumentOutOfRange,
                // not InvalidData, when the zip reader seeks past the end of something that is no zip.
                using var stream = new MemoryStream();
                await file.CopyToAsync(stream, cancellationToken);
                stream.Position = 0;
                await using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
                long expanded = 0;
                foreach (var entry in zip.Entries.Where(e => !e.FullName.EndsWith('/') && !e.FullName.Contains("__pycache__/", StringComparison.Ordinal)))
                {
                    if (!entry.FullName.EndsWith(".py", StringComparison.Ordinal))
                    {
                        return (null, null, JsonBody.BadRequest($"'file': the zip holds '{entry.FullName}'; only .py modules may be published.", "Bad upload"));
                    }
                    // The upload's size is capped, its expansion too: a small zip can inflate to gigabytes.
                    var content = await ReadBoundedAsync(entry.Open(), maxBytes - expanded, cancellationToken);
                    if (content is null)
                    {
                        return (null, null, TypedResults.Problem($"'file': the zip's modules expand to more than {maxBytes} bytes (Runtime:Publishing:MaxUploadBytes).",
                            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large"));
                    }
                    expanded += content.Length;
                    files[entry.FullName] = new UTF8Encoding(false, true).GetString(content);
                }
            }
            else if (name.EndsWith(".py", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(file.OpenReadStream(), new UTF8Encoding(false, true));
                files[name] = await reader.ReadToEndAsync(cancellationToken);
            }
            else
            {
                return (null, null, JsonBody.BadRequest($"'file': '{name}' is neither a .py module nor a .zip of modules.", "Bad upload"));
            }
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or EndOfStreamException)
        {
            return (null, null, JsonBody.BadRequest($"'file': '{name}' cannot be read ({(e is DecoderFallbackException ? "not UTF-8" : "not a valid zip")}).", "Bad upload"));
        }
        return (files, message, null);
    }

    private static ProblemHttpResult Problem(PublishingException e)
    {
        var (status, title) = e.Refusal switch
        {
            PublishingRefusal.Invalid => (StatusCodes.Status422UnprocessableEntity, "Validation failed"),
            PublishingRefusal.NotFound => (StatusCodes.Status404NotFound, "Unknown version"),
            PublishingRefusal.Conflict => (StatusCodes.Status409Conflict, "Not allowed in this state"),
            PublishingRefusal.Forbidden => (StatusCodes.Status403Forbidden, "Self-review refused"),
            _ => (StatusCodes.Status400BadRequest, "Bad upload"),
        };
        var extensions = new Dictionary<string, object?> { ["field"] = e.Field };
        if (e.File is not null)
        {
            extensions["file"] = e.File;
            extensions["line"] = e.Line;
        }
        if (e.Test is not null)
        {
            extensions["test"] = e.Test;
        }
        return TypedResults.Problem(e.Message, statusCode: status, title: title, extensions: extensions);
    }

    private static ProblemHttpResult NoVersion(string job, string version) =>
        TypedResults.Problem($"Job '{job}' has no version '{version}' in the registry; GET /api/registry/jobs/{job}/versions lists them.", statusCode: StatusCodes.Status404NotFound,
            title: "Unknown version");

    private static ProblemHttpResult NoRuntime() =>
        TypedResults.Problem("The runtime is not running in this process (or has not started yet); try again once /health/ready is up.", statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Runtime unavailable");

    /// <summary>The stream's bytes, or null once they pass <paramref name="limit"/> (read no further).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        await using var input = source;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await input.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
