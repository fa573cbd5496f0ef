using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>Ready when the event center started (tables, topics) and its hot store answers a read.</summary>
public sealed class EventCenterHealthCheck(EventCenterStartup startup, IWatermarkStore watermarks) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!startup.Ready.IsCompleted)
        {
            return HealthCheckResult.Unhealthy("The event center is starting.");
        }
        if (startup.Ready.IsFaulted)
        {
            return HealthCheckResult.Unhealthy("The event center failed to start.", startup.Ready.Exception?.GetBaseException());
        }
        try
        {
            await watermarks.GetEventTimeAsync("\u0001health", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The event center's hot store does not answer.", e);
        }
    }
}
