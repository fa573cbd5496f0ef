using FeaturePlatform.EventCenter.EventStorage.Tiering;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// One store of the event center (hot or cold), registered by its adapter with what describes it (<paramref name="data"/>):
/// healthy when it answers a read, Unhealthy (hot) or Degraded (cold) when not.
/// </summary>
public sealed class StoreHealthCheck(TieredEventStore events, bool hot, IReadOnlyDictionary<string, object> data) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var role = hot ? "hot" : "cold";
        try
        {
            await events.ProbeAsync(hot, cancellationToken);
            return HealthCheckResult.Healthy($"The {role} store answers.", data);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without the hot store nothing is ingested or read; without the cold one only reads before the hot window fail.
            return new HealthCheckResult(hot ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                $"The {role} store does not answer: {e.GetBaseException().Message}", data: data);
        }
    }
}
