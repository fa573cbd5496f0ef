using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Quarantine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Ready when the Python host runs and the jobs directory is loaded. Degraded while a job is quarantining (it
/// quarantined an event within <see cref="JobHealthSettings.QuarantineWindow"/>) or a live runner of it lags its
/// trigger source by more than <see cref="JobHealthSettings.MaxLag"/>; the JSON names each such job and why, and the
/// check returns to Healthy by itself once neither holds. Modules that failed to load and live runners' restarts are
/// reported in the data but do not fail readiness (the other jobs run).
/// </summary>
public sealed class RuntimeHealthCheck(RuntimeStartup startup, LiveJobsService live, QuarantineLog quarantine, RuntimeSettings settings) : IHealthCheck
{
    /// <summary>The data entry of the jobs that degrade readiness: job → <see cref="JobHealthJson"/> (written to the readiness JSON as <c>jobs</c>).</summary>
    public const string JobsKey = "degradedJobs";

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!startup.Ready.IsCompleted)
        {
            return HealthCheckResult.Unhealthy("The runtime is starting (Python host, jobs).");
        }
        if (startup.Ready.IsFaulted)
        {
            var reason = startup.Ready.Exception?.GetBaseException();
            return HealthCheckResult.Unhealthy($"The runtime failed to start: {reason?.Message}", reason);
        }
        var registry = startup.Registry;
        var degraded = await DegradedJobsAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["python"] = startup.Host.Installation.Version,
            ["jobs"] = registry.Jobs.Select(j => $"{j.Name} v{j.Version}{(j.Enabled ? "" : " (disabled)")}").ToArray(),
            // Readiness is anonymous: the module's file name, never its absolute path.
            ["loadErrors"] = registry.LoadErrors.Select(e => $"{Path.GetFileName(e.FileName)}:{e.LineNumber}: {e.Reason}").ToArray(),
            ["liveRunners"] = live.Runners.Values.Select(r => $"{r.Job}/{r.Source}: {r.Current?.Events ?? 0} events, {r.Restarts} restarts{(r.LastError is null ? "" : ", last error: " + r.LastError)}").ToArray(),
            [JobsKey] = degraded,
        };
        var description = registry.LoadErrors.Count == 0
            ? $"{registry.Jobs.Count} jobs loaded."
            : $"{registry.Jobs.Count} jobs loaded; {registry.LoadErrors.Count} modules failed to load.";
        if (degraded.Count > 0)
        {
            return HealthCheckResult.Degraded($"{description} Degraded: {string.Join("; ", degraded.Select(d => $"{d.Key}: {d.Value.Reason}"))}", data: data);
        }
        return HealthCheckResult.Healthy(description, data);
    }

    private async Task<IReadOnlyDictionary<string, JobHealthJson>> DegradedJobsAsync(CancellationToken cancellationToken)
    {
        var health = settings.Health;
        var jobs = new SortedDictionary<string, JobHealthJson>(StringComparer.Ordinal);
        foreach (var (job, at) in quarantine.QuarantinedWithin(health.QuarantineWindow))
        {
            jobs[job] = new JobHealthJson($"quarantined an event within the last {health.QuarantineWindow} (Runtime:Health:QuarantineWindow)", DateTimeOffset.FromUnixTimeMilliseconds(at), null);
        }
        foreach (var runner in live.Runners.Values)
        {
            var lag = await live.GetLagAsync(runner, cancellationToken);
            if (lag.LagMs is { } ms && ms > health.MaxLag.TotalMilliseconds)
            {
                var reason = $"{runner.Source} lags {ms} ms behind its watermark, over {health.MaxLag} (Runtime:Health:MaxLag)";
                jobs[runner.Job] = jobs.TryGetValue(runner.Job, out var q)
                    ? q with { Reason = $"{q.Reason}; {reason}", LagMs = Math.Max(ms, q.LagMs ?? 0) }
                    : new JobHealthJson(reason, null, ms);
            }
        }
        return jobs;
    }
}

/// <summary>Why a job degrades readiness.</summary>
/// <param name="Reason">Quarantining and/or lagging, with the setting that decides it.</param>
/// <param name="LastQuarantined">When it last quarantined an event (this process), if that is a reason.</param>
/// <param name="LagMs">The largest lag of its live runners, if that is a reason.</param>
public sealed record JobHealthJson(string Reason, DateTimeOffset? LastQuarantined, long? LagMs);
