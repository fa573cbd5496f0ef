using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// Writes the job versions this process saw (<see cref="JobVersionLog"/>) every <see cref="RuntimeSettings.VersionFlushInterval"/>
/// and once more at stop; a failed write keeps the sightings for the next round.
/// </summary>
internal sealed class JobVersionFlushService(RuntimeSettings settings, JobVersionLog log, TimeProvider clock, ILogger<JobVersionFlushService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.VersionFlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await log.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Writing the job version log failed; the sightings are kept for the next round");
        }
    }
}
