using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Slices;

/// <summary>
/// Daily slices (<see cref="SliceSettings.Daily"/>): every day at <see cref="SliceSettings.DailyAt"/> (UTC, by the
/// <see cref="TimeProvider"/>) each listed source is sliced as of the previous day's last millisecond. Nothing runs when
/// no source is listed.
/// </summary>
public sealed class DailySliceService(SliceService slices, RuntimeSettings settings, TimeProvider clock, ILogger<DailySliceService> logger) : BackgroundService
{
    /// <summary>The next time slices are due after <paramref name="now"/>, and the T they are taken as of.</summary>
    public static (DateTimeOffset Due, long AsOf) Next(DateTimeOffset now, TimeSpan dailyAt)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var due = today + dailyAt;
        if (due <= now)
        {
            due = due.AddDays(1);
        }
        var dayStart = new DateTimeOffset(due.UtcDateTime.Date, TimeSpan.Zero);
        return (due, dayStart.ToUnixTimeMilliseconds() - 1);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = settings.Slices;
        if (options.Daily.Count == 0)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var (due, asOf) = Next(clock.GetUtcNow(), options.DailyAt);
            var wait = due - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, clock, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
            foreach (var source in options.Daily)
            {
                try
                {
                    var id = slices.Start(source, asOf, "schedule", scheduled: true);
                    var record = await slices.WaitAsync(id, stoppingToken);
                    logger.LogInformation("Daily slice {Id} of {Source} as of {AsOf}: {State}, {Entities} entities", id, source, asOf, record?.State, record?.Entities);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (KeyNotFoundException e)
                {
                    logger.LogError(e, "Daily slice of {Source}: the source is not registered (Runtime:Slices:Daily)", source);
                }
            }
        }
    }
}
