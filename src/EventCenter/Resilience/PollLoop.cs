using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Resilience;

/// <summary>
/// The one loop that keeps a process in step with shared state other processes change (stored sources, parameters,
/// published versions): run a sync, then wait for the poll interval or a local wake-up (a change made in this
/// process), whichever comes first; a failed sync is logged and retried after the interval.
/// </summary>
public static class PollLoop
{
    /// <summary>
    /// Runs <paramref name="syncOnce"/> until <paramref name="cancellationToken"/> is cancelled. <paramref name="wake"/>
    /// gives the task of the next local wake-up; it is taken before each sync so no wake-up is missed.
    /// <paramref name="syncOnce"/> may return a shorter wait than <paramref name="interval"/> (a change due sooner).
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, Task<TimeSpan?>> syncOnce, Func<Task> wake, TimeSpan interval, ILogger logger, string what,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(syncOnce);
        ArgumentNullException.ThrowIfNull(wake);
        ArgumentNullException.ThrowIfNull(logger);
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = wake();
            var wait = interval;
            try
            {
                if (await syncOnce(cancellationToken) is { } sooner && sooner < wait)
                {
                    wait = sooner < TimeSpan.Zero ? TimeSpan.Zero : sooner;
                }
                if (failing)
                {
                    logger.LogInformation("Reading {What} works again", what);
                }
                failing = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Logged once per episode at Warning, then at Debug while it keeps failing.
                logger.Log(failing ? LogLevel.Debug : LogLevel.Warning, e, "Reading {What} failed; retrying every {Interval}", what, interval);
                failing = true;
                next = Task.Delay(Timeout.Infinite, cancellationToken);
            }
            try
            {
                await Task.WhenAny(next, Task.Delay(wait, cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
