using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.FeatureApi.Auth;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.FeatureApi.Replay.Backtests;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Runtime.Triggers.Samples;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// Backtests: replays of a job over a time range of stored events, or over an uploaded sample table, run by the
/// runtime's <see cref="RunManager"/>; progress while running, cancel, result rows with column statistics, CSV.
/// </summary>
public static class BacktestsApi
{
    /// <summary>Largest JSON launch body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Most result rows in one page.</summary>
    public const int MaxPage = 5000;

    /// <summary>Maps <c>/api/backtests</c>.</summary>
    public static RouteGroupBuilder MapBacktestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/backtests").WithTags("Backtests").RequireAuthorization(Roles.ReadPolicy);
        group.MapPost("/", LaunchAsync).RequireAuthorization(Roles.BacktestPolicy).DisableAntiforgery()
            .WithSummary("Launch a backtest (role author; operators and reviewers: the backtest of a proposal only): JSON {job, from, to[, source][, parameters][, proposal]} (ms, [from, to)) or multipart form with job, a sample-table file (CSV or JSON lines of key, time[, label])[, parameters (JSON object)][, proposal]. Each event runs with the parameter values in force at its time; 'parameters' (name → value) and 'proposal' (a proposal id: its values) override them for a what-if run");
        group.MapGet("/", List).WithSummary("Backtests, newest first");
        group.MapGet("/{id}", Get).WithSummary("State and progress (events done of the estimated total, rate, ETA)");
        group.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(Roles.AuthorPolicy).WithSummary("Cancel; answers once the run has stopped (role author)");
        group.MapGet("/{id}/results", ResultsAsync).WithSummary($"A page of result rows (offset, limit ≤ {MaxPage}; key: only that key's rows, total counts them), the run's keys with their row counts, and summary statistics of every feature column over all rows");
        group.MapGet("/{id}/series", SeriesAsync).WithSummary($"A numeric column as one series per key (key: repeat for up to {BacktestSeries.MaxKeys} keys) over event time [from, to) (epoch ms or ISO-8601; default the whole run), for charts: every row of a key when it has at most 'points' (default {BacktestSeries.DefaultPoints}, at most {BacktestSeries.MaxPoints}), else the lowest and highest value of each of points/2 equal time buckets (downsampled: true)");
        group.MapGet("/{id}/results.csv", Csv).WithSummary("The results as CSV (job, key, event_time, event_id, declared columns)");
        group.MapGet("/{id}/results.parquet", Parquet).WithSummary("The results as Parquet for analysis: typed feature columns, the sample table's labels, and the job, job version, parameter values, model versions and range as file metadata (docs/offline.md)");
        return group;
    }

    /// <summary>A time-range launch: the job's trigger source (or <paramref name="Source"/>) over event times [<paramref name="From"/>, <paramref name="To"/>), ms.</summary>
    /// <param name="Job">The job.</param>
    /// <param name="From">Start of the range (epoch ms or ISO-8601, inclusive).</param>
    /// <param name="To">End of the range (epoch ms or ISO-8601, exclusive).</param>
    /// <param name="Source">The trigger source (default: the job's first trigger).</param>
    /// <param name="Parameters">What-if values (name → value) replacing the values in force over the whole run.</param>
    /// <param name="Proposal">A parameter proposal of the job whose values to backtest ("backtest this proposal"); <paramref name="Parameters"/> go on top.</param>
    /// <param name="Models">Model versions pinned for the whole run (model name → version), e.g. to backtest an older or a candidate version.</param>
    /// <param name="Label">A name for the run, shown and listed with it (at most 200 characters).</param>
    public sealed record LaunchRequest(string Job, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long From, [property: System.Text.Json.Serialization.JsonConverter(typeof(Times.TimeJsonConverter))] long To, string? Source = null, Dictionary<string, JsonElement>? Parameters = null,
        string? Proposal = null, Dictionary<string, string>? Models = null, string? Label = null);

    /// <summary>Longest run label.</summary>
    public const int MaxLabelLength = 200;

    /// <summary>Progress of a run.</summary>
    public sealed record ProgressJson(long EventsDone, long? EstimatedTotal, double? Fraction, long Results, long Errors, long BadRows, double EventsPerSecond, double? EtaSeconds, string? Eta);

    /// <summary>A backtest as the API returns it.</summary>
    /// <remarks>
    /// <c>versions</c>: events run per job version (content hash of the code); <c>parameters</c>: the values used per
    /// stretch of event time, and the run's overrides.
    /// </remarks>
    /// <param name="Id">The run's id.</param>
    /// <param name="Job">The job.</param>
    /// <param name="JobVersion">The job version (content hash of its code) when the run started.</param>
    /// <param name="Trigger">What it replays, for display (e.g. "replay orders [t0, t1)" or "sample users.csv"); use <paramref name="From"/>/<paramref name="To"/> for the range.</param>
    /// <param name="State">Pending, Running, Completed, Failed or Cancelled.</param>
    /// <param name="IsFinished">Whether it has ended.</param>
    /// <param name="Progress">Events done of the estimated total, rate, ETA.</param>
    /// <param name="CreatedAt">When it was accepted.</param>
    /// <param name="StartedAt">When it started.</param>
    /// <param name="EndedAt">When it ended.</param>
    /// <param name="FailureReason">Why it failed.</param>
    /// <param name="BadRowSamples">The first unreadable sample-table rows.</param>
    /// <param name="Versions">Events run per job version.</param>
    /// <param name="Parameters">Parameter values used per stretch of event time, and the overrides.</param>
    /// <param name="Label">The run's name.</param>
    /// <param name="From">Start of a time-range run (epoch ms, inclusive); null for a sample-table run.</param>
    /// <param name="To">End of a time-range run (epoch ms, exclusive); null for a sample-table run.</param>
    /// <param name="FromUtc"><paramref name="From"/> as ISO-8601 UTC.</param>
    /// <param name="ToUtc"><paramref name="To"/> as ISO-8601 UTC.</param>
    /// <param name="Models">Model versions the run used (model → versions), from its parameter values.</param>
    /// <param name="RequestedBy">Who started it (the API key's name, <c>cli:&lt;user&gt;</c>), or null when not recorded.</param>
    public sealed record BacktestJson(string Id, string Job, string JobVersion, string Trigger, string State, bool IsFinished, ProgressJson Progress,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? FailureReason, IReadOnlyList<SampleRowError> BadRowSamples,
        IReadOnlyDictionary<string, long> Versions, RunParameters? Parameters, string? Label, long? From, long? To, DateTimeOffset? FromUtc, DateTimeOffset? ToUtc,
        IReadOnlyDictionary<string, IReadOnlyList<string>> Models, string? RequestedBy)
    {
        internal static BacktestJson Of(RunStatus s) => new(s.Id, s.Job, s.JobVersion, s.Trigger, s.State.ToString(), s.IsFinished,
            new ProgressJson(s.Progress.EventsDone, s.Progress.EstimatedTotal, s.Progress.Fraction, s.Progress.Results, s.Progress.Errors, s.Progress.BadRows,
                s.Progress.EventsPerSecond, s.Progress.Eta?.TotalSeconds, s.Progress.Eta is { } eta ? FormatEta(eta) : null),
            s.CreatedAt, s.StartedAt, s.EndedAt, s.FailureReason, s.BadRowSamples, s.Versions, s.Parameters, s.Label, s.From, s.To,
            s.From is { } from ? DateTimeOffset.FromUnixTimeMilliseconds(from) : null, s.To is { } to ? DateTimeOffset.FromUnixTimeMilliseconds(to) : null,
            ModelsOf(s.Parameters), s.RequestedBy);

        /// <summary>The model versions in <paramref name="parameters"/>' values (bindings <c>model.&lt;name&gt;</c>), model → distinct versions.</summary>
        internal static IReadOnlyDictionary<string, IReadOnlyList<string>> ModelsOf(RunParameters? parameters)
        {
            var models = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var values in (parameters?.Segments.Select(s => s.Values) ?? []).Append(parameters?.Overrides ?? new Dictionary<string, object?>()))
            {
                foreach (var (name, value) in values)
                {
                    if (Runtime.Models.ModelBindings.ModelOf(name) is { } model && value?.ToString() is { Length: > 0 } version)
                    {
                        (models.TryGetValue(model, out var set) ? set : models[model] = new SortedSet<string>(StringComparer.Ordinal)).Add(version);
                    }
                }
            }
            return models.ToDictionary(m => m.Key, m => (IReadOnlyList<string>)[.. m.Value], StringComparer.Ordinal);
        }

        private static string FormatEta(TimeSpan eta) => eta.TotalHours >= 1 ? $"{(int)eta.TotalHours}h {eta.Minutes}m" : eta.TotalMinutes >= 1 ? $"{eta.Minutes}m {eta.Seconds}s" : $"{Math.Ceiling(eta.TotalSeconds)}s";
    }

    private static async Task<Results<Accepted<BacktestJson>, ProblemHttpResult>> LaunchAsync(HttpRequest request, BacktestRunner runner, SourceRegistry sources,
        ProposalStore proposals, CancellationToken cancellationToken)
    {
        if (runner.Manager is not { } manager)
        {
            return NoRuntime();
        }
        RunRequest run;
        if (request.HasFormContentType)
        {
            if (!MayLaunchAny(request))
            {
                return ProposalOnly();
            }
            var (sample, problem) = await ReadUploadAsync(request, runner, proposals, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
            run = sample!;
        }
        else
        {
            var (body, problem) = await JsonBody.ReadAsync<LaunchRequest>(request, MaxBodyBytes, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
            if (string.IsNullOrWhiteSpace(body!.Job) || body.From >= body.To)
            {
                return JsonBody.BadRequest("Name a job and a time range with from < to (ms since the Unix epoch; to is exclusive).", "Bad backtest");
            }
            if (!MayLaunchAny(request) && (body.Proposal is null || body.Parameters is { Count: > 0 } || body.Models is { Count: > 0 }))
            {
                return ProposalOnly();
            }
            var (overrides, bad) = await OverridesAsync(body.Job, body.Proposal, WithModels(body.Parameters, body.Models), proposals, cancellationToken,
                request.HttpContext.RequestServices);
            if (bad is not null)
            {
                return bad;
            }
            if (LabelProblem(body.Label) is { } badLabel)
            {
                return badLabel;
            }
            run = new RunRequest
            {
                Job = body.Job, Input = new TimeRangeInput(body.From, body.To) { Source = body.Source }, Parameters = overrides, Label = body.Label?.Trim(),
            };
        }
        run = run with { RequestedBy = request.HttpContext.User.Identity?.Name };
        if (run.Input.Source is { } source && sources.Find(source) is null)
        {
            return JsonBody.BadRequest($"There is no source '{source}'; registered: {string.Join(", ", sources.All.Select(s => s.Name).Order(StringComparer.Ordinal))}.", "Bad backtest");
        }
        try
        {
            var id = await manager.StartAsync(run, cancellationToken);
            return TypedResults.Accepted($"/api/backtests/{id}", BacktestJson.Of(manager.Get(id)!));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.Problem($"There is no job '{run.Job}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
        }
        catch (ParameterValidationException e)
        {
            return JsonBody.BadRequest($"parameters: {string.Join("; ", e.Problems)}. Give values that fit the job's declarations (GET /api/jobs/{run.Job}/parameters).",
                "Bad backtest");
        }
        catch (ArgumentException e)
        {
            return JsonBody.BadRequest(e.Message, "Bad backtest");
        }
    }

    /// <summary>Authors and admins launch any backtest; operators and reviewers only a proposal's (to judge it before approval).</summary>
    private static bool MayLaunchAny(HttpRequest request) =>
        request.HttpContext.User.IsInRole(Roles.Author) || request.HttpContext.User.IsInRole(Roles.Admin);

    private static ProblemHttpResult ProposalOnly() => TypedResults.Problem(
        "Operators and reviewers may launch only the backtest of a parameter proposal: send {job, from, to, proposal} without 'parameters' (or use an author key).",
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    /// <summary>The run's what-if values: the proposal's, then <paramref name="parameters"/> on top (checked against the job when the run starts).</summary>
    private static async Task<(Dictionary<string, object?>? Overrides, ProblemHttpResult? Problem)> OverridesAsync(string job, string? proposalId,
        IReadOnlyDictionary<string, JsonElement>? parameters, ProposalStore proposals, CancellationToken cancellationToken, IServiceProvider services)
    {
        if (proposalId is null && parameters is not { Count: > 0 })
        {
            return (null, null);
        }
        var pins = await ModelBindingCheck.ProblemsAsync(services.GetService<Runtime.Models.ModelRegistry>(), parameters ?? new Dictionary<string, JsonElement>(),
            name => Runtime.Models.ModelBindings.ModelOf(name) is { } model ? $"models.{model}" : name, cancellationToken);
        if (pins.Count > 0)
        {
            return (null, JsonBody.BadRequest(string.Join(" ", pins.Select(p => $"{p.Key}: {string.Join(" ", p.Value)}")), "Bad backtest"));
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (proposalId is { } id)
        {
            if (await proposals.GetAsync(job, id, cancellationToken) is not { } proposal)
            {
                return (null, JsonBody.BadRequest($"proposal: job '{job}' has no proposal '{id}'; give the id of one of its proposals (GET /api/jobs/{job}/parameters/proposals).",
                    "Bad backtest"));
            }
            foreach (var (name, value) in proposal.Values)
            {
                values[name] = value;
            }
        }
        foreach (var (name, value) in parameters ?? new Dictionary<string, JsonElement>())
        {
            values[name] = value;
        }
        return (values, null);
    }

    /// <summary>The what-if values with the pinned model versions added as their bindings (<c>model.&lt;name&gt;</c>).</summary>
    private static Dictionary<string, JsonElement>? WithModels(Dictionary<string, JsonElement>? parameters, IReadOnlyDictionary<string, string>? models)
    {
        if (models is not { Count: > 0 })
        {
            return parameters;
        }
        var values = new Dictionary<string, JsonElement>(parameters ?? [], StringComparer.Ordinal);
        foreach (var (model, version) in models)
        {
            values[Runtime.Models.ModelBindings.ParameterOf(model)] = JsonSerializer.SerializeToElement(version);
        }
        return values;
    }

    private static async Task<(RunRequest? Run, ProblemHttpResult? Problem)> ReadUploadAsync(HttpRequest request, BacktestRunner runner, ProposalStore proposals,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > runner.Settings.MaxUploadBytes)
        {
            return (null, TypedResults.Problem($"The upload exceeds {runner.Settings.MaxUploadBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large"));
        }
        var form = await request.ReadFormAsync(cancellationToken);
        var job = form["job"].ToString();
        var file = form.Files.GetFile("file");
        if (string.IsNullOrWhiteSpace(job) || file is null || file.Length == 0)
        {
            return (null, JsonBody.BadRequest("Send form fields 'job' and 'file' (a non-empty CSV or JSON-lines sample table).", "Bad backtest"));
        }
        // What-if values as for a time range: form field 'parameters' (a JSON object, name → value) and/or 'proposal' (an id).
        if (!TryFormObject<Dictionary<string, JsonElement>>(form, "parameters", out var parameters))
        {
            return (null, JsonBody.BadRequest("parameters: send a JSON object of parameter name → value, e.g. {\"min_amount\": 20}.", "Bad backtest"));
        }
        if (!TryFormObject<Dictionary<string, string>>(form, "models", out var models))
        {
            return (null, JsonBody.BadRequest("models: send a JSON object of model name → version, e.g. {\"churn\": \"<sha256>\"}.", "Bad backtest"));
        }
        var (overrides, bad) = await OverridesAsync(job, Field(form, "proposal"), WithModels(parameters, models), proposals, cancellationToken, request.HttpContext.RequestServices);
        if (bad is not null)
        {
            return (null, bad);
        }
        if (file.Length > runner.Settings.MaxUploadBytes)
        {
            return (null, TypedResults.Problem($"The upload exceeds {runner.Settings.MaxUploadBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large"));
        }
        // The run is named by the user's label, else by the name the file was uploaded under (not the stored copy's name).
        var label = Field(form, "label") ?? (Path.GetFileName(file.FileName) is { Length: > 0 } uploaded ? uploaded : null);
        if (LabelProblem(label) is { } badLabel)
        {
            return (null, badLabel);
        }
        var extension = Path.GetExtension(file.FileName).ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? ".jsonl" : ".csv";
        var path = runner.NewUploadPath(extension);
        await using (var target = File.Create(path))
        {
            await file.CopyToAsync(target, cancellationToken);
        }
        var options = new SampleTableOptions();
        options = options with
        {
            KeyColumn = Field(form, "keyColumn") ?? options.KeyColumn,
            TimeColumn = Field(form, "timeColumn") ?? options.TimeColumn,
            LabelColumn = Field(form, "labelColumn") ?? options.LabelColumn,
            Name = label,
        };
        return (new RunRequest
        {
            Job = job,
            Input = new SampleTableInput(path) { Source = Field(form, "source"), Options = options },
            Outputs = BacktestRunner.Files(includeLabel: true),
            Parameters = overrides,
            Label = label,
        }, null);
    }

    private static ProblemHttpResult? LabelProblem(string? label) =>
        label is null || (label.Length <= MaxLabelLength && !label.Any(char.IsControl))
            ? null
            : JsonBody.BadRequest($"label: give a name of at most {MaxLabelLength} characters without control characters.", "Bad backtest");

    private static string? Field(IFormCollection form, string name) => form[name].ToString() is { Length: > 0 } value ? value.Trim() : null;

    /// <summary>Form field <paramref name="name"/> read as a JSON object into <paramref name="value"/> (null when the field is absent); false when it is there but is not one.</summary>
    private static bool TryFormObject<T>(IFormCollection form, string name, out T? value)
        where T : class
    {
        value = null;
        if (Field(form, name) is not { } text)
        {
            return true;
        }
        try
        {
            value = JsonSerializer.Deserialize<T>(text);
        }
        catch (JsonException)
        {
            return false;
        }
        return value is not null;
    }

    private static Results<Ok<List<BacktestJson>>, ProblemHttpResult> List(BacktestRunner runner) =>
        runner.Manager is { } manager
            ? TypedResults.Ok(manager.List().OrderByDescending(r => r.CreatedAt).Select(BacktestJson.Of).ToList())
            : TypedResults.Ok(new List<BacktestJson>());

    private static Results<Ok<BacktestJson>, ProblemHttpResult> Get(string id, BacktestRunner runner) =>
        runner.Manager?.Get(id) is { } status ? TypedResults.Ok(BacktestJson.Of(status)) : NoRun(id);

    private static async Task<Results<Ok<BacktestJson>, ProblemHttpResult>> CancelAsync(string id, BacktestRunner runner) =>
        runner.Manager is { } manager && await manager.CancelAsync(id) is { } status ? TypedResults.Ok(BacktestJson.Of(status)) : NoRun(id);

    private static async Task<Results<Ok<BacktestResultsJson>, ProblemHttpResult>> ResultsAsync(string id, int? offset, int? limit, string? key, BacktestRunner runner,
        CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        var skip = offset ?? 0;
        if (take is <= 0 or > MaxPage || skip < 0)
        {
            return JsonBody.BadRequest($"limit must be 1..{MaxPage} and offset ≥ 0.", "Bad page");
        }
        var (status, directory, problem) = Finished(id, runner);
        if (problem is not null)
        {
            return problem;
        }
        var path = Path.Combine(directory!, BacktestFileOutput.JsonLinesFileName);
        if (!File.Exists(path))
        {
            return NoFiles(id);
        }
        var declared = runner.Catalog.Find(status!.Job)?.Declaration.Outputs.Select(o => o.Name).ToList() ?? [];
        return TypedResults.Ok(await BacktestResults.ReadAsync(id, path, skip, take, declared, key, cancellationToken));
    }

    private static async Task<Results<Ok<BacktestSeriesJson>, ProblemHttpResult>> SeriesAsync(string id, string? column, string[]? key, Times.TimeMs? from, Times.TimeMs? to, int? points,
        BacktestRunner runner, CancellationToken cancellationToken)
    {
        var want = points ?? BacktestSeries.DefaultPoints;
        if (want is < 2 or > BacktestSeries.MaxPoints)
        {
            return JsonBody.BadRequest($"points must be 2..{BacktestSeries.MaxPoints} (the most points per series; default {BacktestSeries.DefaultPoints}).", "Bad points");
        }
        if (string.IsNullOrWhiteSpace(column))
        {
            return JsonBody.BadRequest("Name the numeric result column to chart: ?column=<name> (GET …/results lists the columns).", "Missing column");
        }
        if (key is not { Length: > 0 } || key.Length > BacktestSeries.MaxKeys)
        {
            return JsonBody.BadRequest($"Name 1..{BacktestSeries.MaxKeys} keys, one 'key' parameter each: ?key=a&key=b (GET …/results lists the run's keys).", "Bad key");
        }
        if (from?.Value >= to?.Value)
        {
            return JsonBody.BadRequest("'from' must be before 'to' (epoch ms or ISO-8601; [from, to)).", "Bad range");
        }
        var (status, directory, problem) = Finished(id, runner);
        if (problem is not null)
        {
            return problem;
        }
        var path = Path.Combine(directory!, BacktestFileOutput.JsonLinesFileName);
        if (!File.Exists(path))
        {
            return NoFiles(id);
        }
        var declared = runner.Catalog.Find(status!.Job)?.Declaration.Outputs.Select(o => o.Name).ToList();
        if (declared is { Count: > 0 } && !declared.Contains(column, StringComparer.Ordinal))
        {
            return JsonBody.BadRequest($"'{column}' is not a result column of job {status.Job}; use one of: {string.Join(", ", declared)}.", "Unknown column");
        }
        return TypedResults.Ok(await BacktestSeries.ReadAsync(id, path, column, key, from?.Value, to?.Value, want, cancellationToken));
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Csv(string id, BacktestRunner runner)
    {
        var (_, directory, problem) = Finished(id, runner);
        if (problem is not null)
        {
            return problem;
        }
        var path = Path.Combine(directory!, BacktestFileOutput.CsvFileName);
        return File.Exists(path) ? TypedResults.PhysicalFile(path, "text/csv", $"{id}.csv") : NoFiles(id);
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Parquet(string id, BacktestRunner runner)
    {
        var (_, directory, problem) = Finished(id, runner);
        if (problem is not null)
        {
            return problem;
        }
        var path = Path.Combine(directory!, BacktestParquetOutput.FileName);
        return File.Exists(path)
            ? TypedResults.PhysicalFile(path, "application/vnd.apache.parquet", $"{id}.parquet")
            : TypedResults.Problem($"Backtest '{id}' has no Parquet file (runs from before Parquet results were written have only CSV and JSON lines).",
                statusCode: StatusCodes.Status404NotFound, title: "No results");
    }

    private static (RunStatus? Status, string? Directory, ProblemHttpResult? Problem) Finished(string id, BacktestRunner runner)
    {
        if (runner.Manager?.Get(id) is not { } status)
        {
            return (null, null, NoRun(id));
        }
        if (!status.IsFinished)
        {
            return (status, null, TypedResults.Problem($"Backtest '{id}' is {status.State.ToString().ToLowerInvariant()}; its results are readable once it has finished.",
                statusCode: StatusCodes.Status409Conflict, title: "Backtest still running"));
        }
        return status.ResultDirectory is { } directory ? (status, directory, null) : (status, null, NoFiles(id));
    }

    private static ProblemHttpResult NoRuntime() => TypedResults.Problem(
        "This host runs no jobs (the runtime is not configured or has not started), so it cannot run backtests.",
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "No runtime");

    private static ProblemHttpResult NoRun(string id) =>
        TypedResults.Problem($"There is no backtest '{id}' (GET /api/backtests lists the known runs).", statusCode: StatusCodes.Status404NotFound, title: "Unknown backtest");

    private static ProblemHttpResult NoFiles(string id) =>
        TypedResults.Problem($"Backtest '{id}' wrote no result files.", statusCode: StatusCodes.Status404NotFound, title: "No results");
}
