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
        group.MapGet("/", List).WithSummary("Every job: declaration summary, enabled, version, status counters");
        group.MapGet("/{job}", GetAsync).WithSummary($"One job: declaration, status and its {RecentErrors} most recent error records");
        group.MapPost("/{job}/enable", (string job, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) => SetEnabledAsync(job, true, user, services, ct))
            .RequireAuthorization(Roles.AdminPolicy).WithSummary("Run the job live from where it stopped (role admin; stored, survives restarts)");
        group.MapPost("/{job}/disable", (string job, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) => SetEnabledAsync(job, false, user, services, ct))
            .RequireAuthorization(Roles.AdminPolicy).WithSummary("Stop running the job live after its current batch; replays and calls still run (role admin; stored, survives restarts)");
        return group;
    }

    /// <summary>A trigger: source and filter.</summary>
    public sealed record TriggerJson(string Source, IReadOnlyList<string> Where);

    /// <summary>An output column.</summary>
    public sealed record OutputJson(string Name, string Type, string Description, bool Nullable);

    /// <summary>A parameter's type and current value.</summary>
    public sealed record ParameterSummaryJson(string Name, string Type, object? Current);

    /// <summary>
    /// Counters of a job in this process. <c>null</c> means not measured here: the live counters exist only where
    /// the job runs live (its live runners), and event-time lag is not measured by the runtime yet.
    /// </summary>
    /// <param name="Errors">Error records written since the process started (live, replays, calls).</param>
    /// <param name="LiveRunners">Live runners of the job in this process (one per trigger source).</param>
    /// <param name="EventsRun">Events run live by the runners' current runs.</param>
    /// <param name="Results">Result rows written live.</param>
    /// <param name="Failures">Events whose logic failed live.</param>
    /// <param name="BusySeconds">Time the live runners spent running batches.</param>
    /// <param name="Restarts">Times a live runner was restarted after a failure.</param>
    /// <param name="LastError">The last failure of a live runner, if any.</param>
    /// <param name="LagMs">Event-time lag behind the trigger sources' watermarks (not measured yet: always null).</param>
    public sealed record JobStatusJson(long Errors, int LiveRunners = 0, long? EventsRun = null, long? Results = null, long? Failures = null,
        double? BusySeconds = null, int Restarts = 0, string? LastError = null, long? LagMs = null);

    /// <summary>A job as listed.</summary>
    public sealed record JobJson(string Name, string Description, bool Enabled, int Version, IReadOnlyList<TriggerJson> Triggers, string Consistency,
        IReadOnlyList<OutputJson> Outputs, IReadOnlyList<ParameterSummaryJson> Parameters, JobStatusJson Status, string File, int Line);

    /// <summary>One job with its recent error records.</summary>
    public sealed record JobDetailJson(string Name, string Description, bool Enabled, int Version, IReadOnlyList<TriggerJson> Triggers, string Consistency,
        IReadOnlyList<OutputJson> Outputs, IReadOnlyList<ParameterSummaryJson> Parameters, JobStatusJson Status, string File, int Line,
        IReadOnlyList<JobErrorJson> RecentErrors);

    private static Ok<List<JobJson>> List(IServiceProvider services)
    {
        var errors = services.GetService<JobErrorLog>();
        var live = services.GetService<LiveJobsService>();
        var jobs = services.GetRequiredService<JobCatalog>().Jobs.OrderBy(j => j.Name, StringComparer.Ordinal).Select(j => ToJson(j, errors, live)).ToList();
        return TypedResults.Ok(jobs);
    }

    private static async Task<Results<Ok<JobDetailJson>, ProblemHttpResult>> GetAsync(string job, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (RouteNames.Check("job", job) is not null)
        {
            return JsonBody.BadRequest($"job must be 1 to {RouteNames.MaxLength} characters without control characters.", "Bad job");
        }
        var found = services.GetRequiredService<JobCatalog>().Find(job);
        if (found is null)
        {
            return NoJob(job);
        }
        var log = services.GetService<JobErrorLog>();
        var recent = new List<JobErrorJson>();
        if (log is not null)
        {
            await foreach (var e in log.RecentAsync(job, RecentErrors, cancellationToken))
            {
                recent.Add(e);
            }
        }
        var j = ToJson(found, log, services.GetService<LiveJobsService>());
        return TypedResults.Ok(new JobDetailJson(j.Name, j.Description, j.Enabled, j.Version, j.Triggers, j.Consistency, j.Outputs, j.Parameters,
            j.Status, j.File, j.Line, recent));
    }

    private static async Task<Results<Ok<JobJson>, ProblemHttpResult>> SetEnabledAsync(string job, bool enabled, ClaimsPrincipal user, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<JobCatalog>();
        var found = catalog.Find(job);
        if (found is null)
        {
            return NoJob(job);
        }
        // The runtime's jobs: stored first, so the switch survives restarts and reaches the other runtime processes.
        if (catalog.IsRuntimes && services.GetService<JobSwitchStore>() is { } switches)
        {
            await switches.SetAsync(job, enabled, user.Identity?.Name ?? "unknown", cancellationToken);
        }
        // The live jobs service sees the change (RegisteredJob.EnabledChanged) and starts or stops the runners.
        found.Enabled = enabled;
        return TypedResults.Ok(ToJson(found, services.GetService<JobErrorLog>(), services.GetService<LiveJobsService>()));
    }

    private static JobJson ToJson(RegisteredJob job, JobErrorLog? errors, LiveJobsService? live)
    {
        var d = job.Declaration;
        return new JobJson(job.Name, d.Description, job.Enabled, job.Version,
            d.Triggers.Select(t => new TriggerJson(t.Source, t.Where)).ToList(),
            d.Consistency.ToWire(),
            d.Outputs.Select(o => new OutputJson(o.Name, TypeName(o.Type), o.Description, o.Nullable)).ToList(),
            d.Parameters.Select(p => new ParameterSummaryJson(p.Name, TypeName(p.Type), job.Loaded.Parameters.GetValueOrDefault(p.Name, p.Default))).ToList(),
            Status(job.Name, errors, live),
            d.File, d.Line);
    }

    private static JobStatusJson Status(string job, JobErrorLog? errors, LiveJobsService? live)
    {
        var errorCount = errors?.Counts.GetValueOrDefault(job) ?? 0;
        var runners = live?.Runners.Values.Where(r => string.Equals(r.Job, job, StringComparison.Ordinal)).ToList() ?? [];
        var counters = runners.Select(r => r.Current).OfType<RunCounters>().ToList();
        if (runners.Count == 0)
        {
            return new JobStatusJson(errorCount);
        }
        return new JobStatusJson(errorCount, runners.Count, counters.Sum(c => c.Events), counters.Sum(c => c.Results), counters.Sum(c => c.Failures),
            counters.Sum(c => c.Busy.TotalSeconds), runners.Sum(r => r.Restarts), runners.Select(r => r.LastError).LastOrDefault(e => e is not null));
    }

    private static string TypeName(ValueType type) => type.ToString().ToLowerInvariant();

    private static ProblemHttpResult NoJob(string job) =>
        TypedResults.Problem($"There is no job '{job}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
}
