using System.Security.Claims;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using ValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// The jobs of the runtime's job registry (<see cref="JobCatalog"/>): declaration, state, error counts and recent error records;
/// enable/disable for admins. Without a registry in the host the list is empty and every job is unknown.
/// </summary>
public static class JobsApi
{
    /// <summary>Recent error records returned with one job.</summary>
    public const int RecentErrors = 20;

    /// <summary>Maps <c>/api/jobs</c>, <c>/api/jobs/{job}</c> and <c>/api/jobs/{job}/enable|disable</c>.</summary>
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization(Roles.ReadPolicy);
        group.MapGet("/", ListAsync).WithSummary("Every job: declaration summary, enabled, version, status counters");
        group.MapGet("/{job}", GetAsync).WithSummary($"One job: declaration, status and its {RecentErrors} most recent error records");
        group.MapGet("/{job}/versions", VersionsAsync)
            .WithSummary("The versions of the job seen by any runtime process (content hashes of its code), with first and last seen times, newest first");
        group.MapPost("/{job}/enable", (string job, ClaimsPrincipal user, [AsParameters] JobsApiServices services, CancellationToken ct) => SetEnabledAsync(job, true, user, services, ct))
            .RequireAuthorization(Roles.AdminPolicy).WithSummary("Run the job live from where it stopped (role admin; stored, survives restarts)");
        group.MapPost("/{job}/disable", (string job, ClaimsPrincipal user, [AsParameters] JobsApiServices services, CancellationToken ct) => SetEnabledAsync(job, false, user, services, ct))
            .RequireAuthorization(Roles.AdminPolicy).WithSummary("Stop running the job live after its current batch; replays and calls still run (role admin; stored, survives restarts)");
        return group;
    }

    /// <summary>A version of a job: its content hash, when it was first and last seen, and the library modules it covers.</summary>
    /// <param name="Version">The content hash of the job module and its local library code.</param>
    /// <param name="FirstSeen">When a runtime process first loaded or ran it.</param>
    /// <param name="LastSeen">When a runtime process last loaded or ran it (as of that process's last flush).</param>
    /// <param name="Current">Whether this process runs it now.</param>
    /// <param name="LibraryModules">The local library modules the hash covers.</param>
    public sealed record JobVersionJson(string Version, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool Current, IReadOnlyList<string> LibraryModules);

    /// <summary>The versions of a job.</summary>
    public sealed record JobVersionsJson(string Job, string Current, IReadOnlyList<JobVersionJson> Versions);

    private static async Task<Results<Ok<JobVersionsJson>, ProblemHttpResult>> VersionsAsync(string job, JobCatalog catalog, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null)
        {
            return JsonBody.BadRequest($"job must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad job");
        }
        if (catalog.Find(job) is not { } found)
        {
            return NoJob(job);
        }
        // The runtime's log (stored; survives restarts); a registry of its own (tests, embedders) only knows its current version.
        var seen = catalog.IsRuntimes && services.GetService<JobVersionLog>() is { } log
            ? await log.ListAsync(job, cancellationToken)
            : [];
        var versions = seen.Select(v => new JobVersionJson(v.Version, DateTimeOffset.FromUnixTimeMilliseconds(v.FirstSeen),
            DateTimeOffset.FromUnixTimeMilliseconds(v.LastSeen), v.Version == found.Version, v.LibraryModules)).ToList();
        return TypedResults.Ok(new JobVersionsJson(job, found.Version, versions));
    }

    /// <summary>A trigger: source and filter.</summary>
    public sealed record TriggerJson(string Source, IReadOnlyList<string> Where);

    /// <summary>An output column.</summary>
    public sealed record OutputJson(string Name, string Type, string Description, bool Nullable);

    /// <summary>A parameter's type and current value.</summary>
    public sealed record ParameterSummaryJson(string Name, string Type, object? Current);

    /// <summary>
    /// Counters of a job in this process. <c>null</c> means not measured here: the live counters exist only where
    /// the job runs live (its live runners).
    /// </summary>
    /// <param name="Errors">
    /// Stored error records of the job (live, replays, calls; every process's) in the last <see cref="ErrorWindow"/>, at most
    /// <see cref="ErrorCountCap"/> counted: the records the job's detail lists (its newest <see cref="RecentErrors"/>).
    /// </param>
    /// <param name="LiveRunners">Live runners of the job in this process (one per trigger source).</param>
    /// <param name="EventsRun">Events run live by the runners' current runs.</param>
    /// <param name="Results">Result rows written live.</param>
    /// <param name="Failures">Events whose logic failed live.</param>
    /// <param name="BusySeconds">Time the live runners spent running batches.</param>
    /// <param name="Restarts">Times a live runner was restarted after a failure.</param>
    /// <param name="LastError">The last failure of a live runner, if any.</param>
    /// <param name="LagMs">Event-time lag behind the trigger sources' watermarks: the largest over the runners (see <see cref="LiveRunnerLag"/>).</param>
    /// <param name="PendingMessages">Stored messages of the runners' partitions not run yet, summed.</param>
    /// <param name="EventsPerSecond">Events run per second over the last 30 s, summed over the runners.</param>
    /// <param name="Runners">Per live runner (trigger source): watermark, last event time, lag, pending messages, throughput.</param>
    /// <param name="Quarantined">Events of the job in quarantine (stored; every process's), see <c>/api/jobs/{job}/quarantine</c>.</param>
    /// <param name="Lane">The job's worker lane (Process mode, once the job ran): its workers, restarts, queue and busy time.</param>
    /// <param name="ErrorsSinceStart">Error records this process wrote for the job since it started.</param>
    /// <param name="LateEvents">
    /// Late events of the job's trigger sources (stored with an event time at or below the source's watermark; each is
    /// repaired) counted by this process's ingestion since it started.
    /// </param>
    /// <param name="LastOutputAt">When a live batch of the job last wrote result rows in this process (UTC), or null.</param>
    /// <param name="Throughput">
    /// Live events per second in each <see cref="ThroughputStepSeconds"/> step of the last 5 minutes, oldest first, summed over
    /// the runners (for a sparkline); empty without live runners.
    /// </param>
    /// <param name="ThroughputStepSeconds">Width of one point of <paramref name="Throughput"/>, in seconds (10).</param>
    public sealed record JobStatusJson(long Errors, int LiveRunners = 0, long? EventsRun = null, long? Results = null, long? Failures = null,
        double? BusySeconds = null, int Restarts = 0, string? LastError = null, long? LagMs = null, long? PendingMessages = null,
        double? EventsPerSecond = null, IReadOnlyList<RunnerStatusJson>? Runners = null, int Quarantined = 0, LaneJson? Lane = null,
        long ErrorsSinceStart = 0, long LateEvents = 0, DateTimeOffset? LastOutputAt = null, IReadOnlyList<double>? Throughput = null,
        int ThroughputStepSeconds = 10);

    /// <summary>How far back <see cref="JobStatusJson.Errors"/> counts: 24 hours.</summary>
    public static readonly TimeSpan ErrorWindow = TimeSpan.FromHours(24);

    /// <summary>The most error records <see cref="JobStatusJson.Errors"/> counts: 1,000 (a count of 1,000 means at least that many).</summary>
    public const int ErrorCountCap = 1000;

    /// <summary>A job's own lane of worker processes (every run of the job, calls included, goes through it).</summary>
    /// <param name="Workers">Live worker processes of the job.</param>
    /// <param name="Restarts">Workers started to replace one that exited, crashed or was killed.</param>
    /// <param name="Queue">Runs (batches and calls) waiting for or running on the job's workers now.</param>
    /// <param name="BusySeconds">Time during which the job had at least one run on its workers, since start.</param>
    /// <param name="LastLoss">Why the job's last lost worker went (exit code, signal, or the limit it broke).</param>
    public sealed record LaneJson(int Workers, int Restarts, int Queue, double BusySeconds, string? LastLoss);

    /// <summary>One live runner's position against its trigger source.</summary>
    /// <param name="Source">The trigger source.</param>
    /// <param name="GroupId">The consumer group.</param>
    /// <param name="WatermarkMs">The source's event-time watermark.</param>
    /// <param name="LastEventTimeMs">The newest event time the runner completed.</param>
    /// <param name="LagMs">Event-time lag (0 when nothing stored is pending).</param>
    /// <param name="PendingMessages">Stored messages not run yet (partitions this runner processed).</param>
    /// <param name="EventsPerSecond">Throughput over the last 30 s.</param>
    /// <param name="LastOutputAt">When the runner's last batch that wrote result rows finished (UTC), or null.</param>
    public sealed record RunnerStatusJson(string Source, string GroupId, long? WatermarkMs, long? LastEventTimeMs, long? LagMs, long? PendingMessages,
        double EventsPerSecond, DateTimeOffset? LastOutputAt = null);

    /// <summary>A job as listed.</summary>
    public sealed record JobJson(string Name, string Description, bool Enabled, string Version, IReadOnlyList<TriggerJson> Triggers, string Consistency,
        IReadOnlyList<OutputJson> Outputs, IReadOnlyList<ParameterSummaryJson> Parameters, JobStatusJson Status, string File, int Line);

    /// <summary>One job with its recent error records.</summary>
    public sealed record JobDetailJson(string Name, string Description, bool Enabled, string Version, IReadOnlyList<TriggerJson> Triggers, string Consistency,
        IReadOnlyList<OutputJson> Outputs, IReadOnlyList<ParameterSummaryJson> Parameters, JobStatusJson Status, string File, int Line,
        IReadOnlyList<JobErrorJson> RecentErrors);

    private static async Task<Ok<List<JobJson>>> ListAsync([AsParameters] JobsApiServices services, CancellationToken cancellationToken)
    {
        var jobs = new List<JobJson>();
        foreach (var j in services.Catalog.Jobs.OrderBy(j => j.Name, StringComparer.Ordinal))
        {
            jobs.Add(await ToJsonAsync(j, services, cancellationToken));
        }
        return TypedResults.Ok(jobs);
    }

    private static async Task<Results<Ok<JobDetailJson>, ProblemHttpResult>> GetAsync(string job, [AsParameters] JobsApiServices services, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null)
        {
            return JsonBody.BadRequest($"job must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad job");
        }
        var found = services.Catalog.Find(job);
        if (found is null)
        {
            return NoJob(job);
        }
        var recent = new List<JobErrorJson>();
        await foreach (var e in services.Errors.RecentAsync(job, RecentErrors, cancellationToken))
        {
            recent.Add(e);
        }
        var j = await ToJsonAsync(found, services, cancellationToken);
        return TypedResults.Ok(new JobDetailJson(j.Name, j.Description, j.Enabled, j.Version, j.Triggers, j.Consistency, j.Outputs, j.Parameters,
            j.Status, j.File, j.Line, recent));
    }

    private static async Task<Results<Ok<JobJson>, ProblemHttpResult>> SetEnabledAsync(string job, bool enabled, ClaimsPrincipal user, JobsApiServices services,
        CancellationToken cancellationToken)
    {
        var catalog = services.Catalog;
        var found = catalog.Find(job);
        if (found is null)
        {
            return NoJob(job);
        }
        // The runtime's jobs: stored first, so the switch survives restarts and reaches the other runtime processes.
        // The live jobs service sees the change (RegisteredJob.EnabledChanged) and starts or stops the runners.
        if (catalog.IsRuntimes)
        {
            var stored = await services.Switches.SetAsync(job, enabled, user.Identity?.Name ?? "unknown", cancellationToken);
            found.ApplySwitch(enabled, stored.Version);
        }
        else
        {
            found.Enabled = enabled;
        }
        return TypedResults.Ok(await ToJsonAsync(found, services, cancellationToken));
    }

    private static async Task<JobJson> ToJsonAsync(RegisteredJob job, JobsApiServices services, CancellationToken cancellationToken)
    {
        var since = services.Clock.GetUtcNow().Add(-ErrorWindow).ToUnixTimeMilliseconds();
        var late = services.Ingest.LateBySource;
        var status = await StatusAsync(job.Name, services.Errors, services.Live, cancellationToken) with
        {
            Errors = await services.Errors.CountSinceAsync(job.Name, since, ErrorCountCap, cancellationToken),
            ErrorsSinceStart = services.Errors.Counts.GetValueOrDefault(job.Name),
            LateEvents = job.Declaration.Triggers.Select(t => t.Source).Distinct(StringComparer.Ordinal).Sum(source => late.GetValueOrDefault(source)),
            Quarantined = await services.Quarantine.CountAsync(job.Name, cancellationToken),
            Lane = services.Workers.LaneOf(job.Name) is { } lane ? new LaneJson(lane.Workers, lane.Restarts, lane.Queue, lane.Busy.TotalSeconds, lane.LastLoss) : null,
        };
        var d = job.Declaration;
        return new JobJson(job.Name, d.Description, job.Enabled, job.Version,
            d.Triggers.Select(t => new TriggerJson(t.Source, t.Where)).ToList(),
            d.Consistency.ToWire(),
            d.Outputs.Select(o => new OutputJson(o.Name, TypeName(o.Type), o.Description, o.Nullable)).ToList(),
            d.Parameters.Select(p => new ParameterSummaryJson(p.Name, TypeName(p.Type), job.Loaded.Parameters.GetValueOrDefault(p.Name, p.Default))).ToList(),
            status,
            d.File, d.Line);
    }

    private static async Task<JobStatusJson> StatusAsync(string job, JobErrorLog? errors, LiveJobsService? live, CancellationToken cancellationToken)
    {
        var errorCount = errors?.Counts.GetValueOrDefault(job) ?? 0;
        var runners = live?.Runners.Values.Where(r => string.Equals(r.Job, job, StringComparison.Ordinal)).ToList() ?? [];
        var counters = runners.Select(r => r.Current).OfType<RunCounters>().ToList();
        if (runners.Count == 0)
        {
            return new JobStatusJson(errorCount, Throughput: []);
        }
        var positions = new List<RunnerStatusJson>(runners.Count);
        foreach (var r in runners.OrderBy(r => r.Source, StringComparer.Ordinal))
        {
            var lag = await live!.GetLagAsync(r, cancellationToken);
            positions.Add(new RunnerStatusJson(r.Source, r.GroupId, lag.WatermarkMs, lag.LastEventTimeMs, lag.LagMs, lag.PendingMessages, lag.EventsPerSecond,
                r.Progress.LastOutputAt));
        }
        return new JobStatusJson(errorCount, runners.Count, counters.Sum(c => c.Events), counters.Sum(c => c.Results), counters.Sum(c => c.Failures),
            counters.Sum(c => c.Busy.TotalSeconds), runners.Sum(r => r.Restarts), runners.Select(r => r.LastError).LastOrDefault(e => e is not null),
            positions.Any(p => p.LagMs is null) ? null : positions.Max(p => p.LagMs),
            positions.Any(p => p.PendingMessages is null) ? null : positions.Sum(p => p.PendingMessages),
            positions.Sum(p => p.EventsPerSecond), positions,
            LastOutputAt: positions.Max(p => p.LastOutputAt),
            Throughput: SumAligned(runners.Select(r => r.Progress.RecentThroughput).ToList()),
            ThroughputStepSeconds: (int)LiveRunnerProgress.SeriesStep.TotalSeconds);
    }

    /// <summary>Sums series aligned at their newest point (runners started at different times have series of different lengths).</summary>
    private static List<double> SumAligned(IReadOnlyList<IReadOnlyList<double>> series)
    {
        var length = series.Count == 0 ? 0 : series.Max(s => s.Count);
        var sum = new double[length];
        foreach (var s in series)
        {
            for (var i = 0; i < s.Count; i++)
            {
                sum[length - s.Count + i] += s[i];
            }
        }
        return [.. sum];
    }

    private static string TypeName(ValueType type) => type.ToString().ToLowerInvariant();

    private static ProblemHttpResult NoJob(string job) =>
        TypedResults.Problem($"There is no job '{job}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
}

/// <summary>What the jobs API's handlers use (eShop's services record, bound with <c>[AsParameters]</c>).</summary>
/// <param name="Catalog">Where the jobs are.</param>
/// <param name="Errors">The job error log.</param>
/// <param name="Live">The live runners (status, lag).</param>
/// <param name="Switches">Stored enable/disable switches of the runtime's jobs.</param>
/// <param name="Quarantine">The quarantined events of the jobs.</param>
/// <param name="Workers">The jobs' worker lanes.</param>
/// <param name="Ingest">Ingestion counters (late events per source).</param>
/// <param name="Clock">The clock (the error-count window).</param>
internal sealed record JobsApiServices(JobCatalog Catalog, JobErrorLog Errors, LiveJobsService Live, JobSwitchStore Switches, Runtime.Quarantine.QuarantineLog Quarantine,
    Runtime.Workers.WorkerSupervisor Workers, EventCenter.Ingestion.IngestCounters Ingest, TimeProvider Clock);
