using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Diagnostics;

/// <summary>
/// Per-job gauges of the live runners on meter <see cref="RuntimeMetrics.MeterName"/>: event-time lag behind the trigger
/// source's watermark, messages stored but not yet run, restarts. Lags need store reads, so they are read before a scrape.
/// </summary>
public sealed class LiveJobMetrics : IMetricsRefresh
{
    private readonly LiveJobsService live;
    private readonly ILogger logger;
    private volatile IReadOnlyList<(LiveRunnerStatus Runner, LiveRunnerLag Lag)> lags = [];

    /// <summary>Creates the gauges.</summary>
    public LiveJobMetrics(IMeterFactory meters, LiveJobsService live, ILogger<LiveJobMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.live = live;
        this.logger = logger;
        var meter = meters.Create(RuntimeMetrics.MeterName);
        meter.CreateObservableGauge("runtime.job.lag", () => lags.Where(l => l.Lag.LagMs is not null)
                .Select(l => new Measurement<double>(l.Lag.LagMs!.Value / 1000.0, Tags(l.Runner))), unit: "s",
            description: "Event-time lag of a live job behind its trigger source's watermark (0 when nothing stored is pending), by job and source.");
        meter.CreateObservableGauge("runtime.job.pending_messages", () => lags.Where(l => l.Lag.PendingMessages is not null)
                .Select(l => new Measurement<long>(l.Lag.PendingMessages!.Value, Tags(l.Runner))),
            description: "Messages the event center stored that a live job has not run yet, by job and source.");
        meter.CreateObservableCounter("runtime.job.restarts", () => live.Runners.Values.Select(r => new Measurement<long>(r.Restarts, Tags(r))),
            description: "Times a live job's runner restarted after a failure, by job and source.");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var read = new List<(LiveRunnerStatus, LiveRunnerLag)>();
        foreach (var runner in live.Runners.Values)
        {
            try
            {
                read.Add((runner, await live.GetLagAsync(runner, cancellationToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "Reading the lag of {Job} on {Source} for metrics failed.", runner.Job, runner.Source);
            }
        }
        lags = read;
    }

    private static KeyValuePair<string, object?>[] Tags(LiveRunnerStatus runner) => [new("job", runner.Job), new("source", runner.Source)];
}
