using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Ready when the Python host runs and the jobs directory is loaded. Modules that failed to load and live runners'
/// restarts are reported in the data but do not fail readiness (the other jobs run).
/// </summary>
public sealed class RuntimeHealthCheck(RuntimeStartup startup, LiveJobsService live) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!startup.Ready.IsCompleted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The runtime is starting (Python host, jobs)."));
        }
        if (startup.Ready.IsFaulted)
        {
            var reason = startup.Ready.Exception?.GetBaseException();
            return Task.FromResult(HealthCheckResult.Unhealthy($"The runtime failed to start: {reason?.Message}", reason));
        }
        var registry = startup.Registry;
        var data = new Dictionary<string, object>
        {
            ["python"] = startup.Host.Installation.Version,
            ["jobs"] = registry.Jobs.Select(j => $"{j.Name} v{j.Version}{(j.Enabled ? "" : " (disabled)")}").ToArray(),
            ["loadErrors"] = registry.LoadErrors.Select(e => e.Message).ToArray(),
            ["liveRunners"] = live.Runners.Values.Select(r => $"{r.Job}/{r.Source}: {r.Current?.Events ?? 0} events, {r.Restarts} restarts{(r.LastError is null ? "" : ", last error: " + r.LastError)}").ToArray(),
        };
        var description = registry.LoadErrors.Count == 0
            ? $"{registry.Jobs.Count} jobs loaded."
            : $"{registry.Jobs.Count} jobs loaded; {registry.LoadErrors.Count} modules failed to load.";
        return Task.FromResult(HealthCheckResult.Healthy(description, data));
    }
}
