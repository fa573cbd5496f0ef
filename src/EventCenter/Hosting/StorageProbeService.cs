using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Probes embedded databases whose writes fail (disk full, read-only, I/O error) every
/// <see cref="EventCenterSettings.StorageProbeInterval"/>, so readiness turns healthy again by itself once the cause is
/// gone. Writes nothing while all is well.
/// </summary>
internal sealed class StorageProbeService(StorageFaultMonitor monitor, EventCenterSettings settings) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        monitor.RunProbesAsync(settings.StorageProbeInterval, stoppingToken);
}
