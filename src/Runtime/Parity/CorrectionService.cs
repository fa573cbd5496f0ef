using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// The scheduled correction replay (SEMANTICS.md §4, the Lambda side): every <see cref="CorrectionSettings.Interval"/>
/// each enabled job is replayed over the last <see cref="CorrectionSettings.Window"/> up to the watermark-safe time
/// (the lowest event-time watermark of the sources), and the outputs that differ are rewritten — a
/// <see cref="ParityService"/> check with <see cref="ParityRequest.Correct"/>, one job after the other.
/// </summary>
public sealed class CorrectionService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    ParityService parity,
    SourceRegistry sources,
    IWatermarkStore watermarks,
    TimeProvider clock,
    ILogger<CorrectionService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Correction.Interval <= TimeSpan.Zero || !settings.RunLiveJobs)
        {
            return;
        }
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return; // Stopping, or the runtime failed to start (readiness says why): nothing ran live.
        }
        using var timer = new PeriodicTimer(settings.Correction.Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CorrectAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One scheduled run: every enabled job with a trigger, over the window up to the watermark-safe time.</summary>
    internal async Task CorrectAllAsync(CancellationToken cancellationToken)
    {
        if (await SafeTimeAsync(cancellationToken) is not { } to)
        {
            logger.LogInformation("Correction replay skipped: no source has an event-time watermark yet");
            return;
        }
        var from = to - (long)settings.Correction.Window.TotalMilliseconds;
        foreach (var job in startup.Jobs.Where(j => j.Enabled && j.Declaration.Triggers.Count > 0))
        {
            try
            {
                var id = await parity.StartAsync(new ParityRequest(job.Name, from, to, Correct: true) { RequestedBy = "schedule" }, cancellationToken);
                var status = await parity.WaitAsync(id, cancellationToken);
                logger.LogInformation("Correction replay of job {Job} over [{From}, {To}) {State}: {Corrected} rows rewritten", job.Name, from, to, status?.State,
                    status?.Counts.Corrected);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Correction replay of job {Job} over [{From}, {To}) could not run", job.Name, from, to);
            }
        }
    }

    /// <summary>The lowest event-time watermark of the sources that have one: no source gets an event at or before it any more (save late ones, which repair).</summary>
    private async Task<long?> SafeTimeAsync(CancellationToken cancellationToken)
    {
        long? safe = null;
        foreach (var source in sources.All)
        {
            if (await watermarks.GetEventTimeAsync(source.Name, cancellationToken) is { } mark)
            {
                safe = safe is { } s ? Math.Min(s, mark) : mark;
            }
        }
        return safe;
    }
}
