using System.Diagnostics;
using FeaturePlatform.Runtime.OnlineStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Loads the in-memory selection copy from the feature store at start, then re-reads it every
/// <see cref="SelectionSettings.ResyncInterval"/> for writes made by other processes. Does nothing when the copy is not kept.
/// </summary>
internal sealed class SelectionCopyService(bool enabled, SelectionCopy copy, FeatureStore store, SelectionSettings settings, TimeProvider clock, ILogger<SelectionCopyService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!enabled)
        {
            return;
        }
        await store.EnsureTableAsync(stoppingToken);
        await LoadAsync("Loaded", stoppingToken);
        if (settings.ResyncInterval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(settings.ResyncInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await LoadAsync("Resynced", stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Resync of the selection copy failed; retried at the next interval");
            }
        }
    }

    private async Task LoadAsync(string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var rows = await copy.LoadAsync(store, cancellationToken);
        logger.LogInformation("{What} the selection copy: {Rows} feature rows in {Seconds:F1} s", what, rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
