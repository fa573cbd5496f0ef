using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>One store of the event center (hot or cold; embedded SQLite or HBase): healthy when it answers a read, Unhealthy (hot) or Degraded (cold) when not.</summary>
public sealed class StoreHealthCheck(TieredEventStore events, StoreSettings settings, bool hot) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["kind"] = settings.Kind.ToString().ToLowerInvariant() };
        if (settings.Kind == StoreKind.HBase)
        {
            data["server"] = $"{settings.HBase.Host}:{settings.HBase.Port}";
        }
        try
        {
            await events.ProbeAsync(hot, cancellationToken);
            return HealthCheckResult.Healthy($"The {(hot ? "hot" : "cold")} store answers.", data);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without the hot store nothing is ingested or read; without the cold one only reads before the hot window fail.
            return new HealthCheckResult(hot ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                $"The {(hot ? "hot" : "cold")} store does not answer: {e.GetBaseException().Message}", data: data);
        }
    }
}
