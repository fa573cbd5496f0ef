using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Ready when the event center started (tables, topics), its hot store answers a read, and no embedded database refuses
/// writes (disk full, read-only, I/O errors: Unhealthy until a write or the periodic probe succeeds again). Degraded
/// with the reason when no source is registered: nothing is ingested, which is almost always a configuration that
/// was not read (e.g. <c>appsettings.json</c> not found) rather than intent.
/// </summary>
public sealed class EventCenterHealthCheck(EventCenterStartup startup, IWatermarkStore watermarks, StorageFaultMonitor storage,
    EventCenter.Ingestion.Sources.SourceRegistry sources) : IHealthCheck
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
        if (storage.Faults is [var first, ..] faults)
        {
            var data = faults.ToDictionary(f => f.Database, f => (object)$"{StorageUnavailableException.Describe(f.Reason)} since {f.Since:O}, {f.FailedWrites} failed writes");
            return HealthCheckResult.Unhealthy($"Storage refuses writes: {first.Message}", data: data);
        }
        try
        {
            await watermarks.GetEventTimeAsync("\u0001health", cancellationToken);
            if (sources.All.Count == 0)
            {
                return HealthCheckResult.Degraded("No sources are registered: nothing is ingested. Configure EventCenter:Sources (appsettings.json in the "
                    + "content root, environment variables EventCenter__Sources__…) or register one with POST /api/sources.");
            }
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The event center's hot store does not answer.", e);
        }
    }
}
