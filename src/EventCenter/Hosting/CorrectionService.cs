using FeaturePlatform.EventCenter.Correction;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Corrects every mirrored source against its database every <see cref="EventCenterSettings.CorrectionInterval"/>.</summary>
internal sealed class CorrectionService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    CorrectionRunner runner,
    ILogger<CorrectionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.CorrectionInterval == TimeSpan.Zero || runner.Mirrored.Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(settings.CorrectionInterval);
        try
        {
            await startup.Ready.WaitAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var source in runner.Mirrored)
                {
                    try
                    {
                        var report = await runner.RunAsync(source.Name, stoppingToken);
                        logger.LogInformation("Correction of {Source} as of {Snapshot}: {Scanned} rows, {Differing} differing, {Missing} missing, {Deleted} deleted, {ChangedAfter} changed after the snapshot (left to the next run), {Written} events written",
                            report.Source, report.SnapshotTime, report.Scanned, report.Differing, report.Missing, report.Deleted, report.ChangedAfterSnapshot, report.Written);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogError(e, "Correction of {Source} failed; it runs again at the next interval", source.Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
