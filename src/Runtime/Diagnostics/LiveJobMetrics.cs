using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Diagnostics;

/// <summary>
/// Per-job series of the live runners on meter <see cref="RuntimeMetrics.MeterName"/>, each tagged with <c>job</c> (and
/// <c>source</c>, the trigger source, where per runner): event-time lag behind the trigger source's watermark, messages
/// stored but not yet run, restarts, late events of the trigger source, throughput, when the job last wrote results,
/// error records and events in quarantine. Lags and quarantine sizes need store reads, so they are read before a scrape.
/// </summary>
public sealed class LiveJobMetrics : IMetricsRefresh
{
    private readonly LiveJobsService live;
    private readonly Quarantine.QuarantineLog quarantine;
    private readonly ILogger logger;
    private volatile IReadOnlyList<(LiveRunnerStatus Runner, LiveRunnerLag Lag)> lags = [];
    private volatile IReadOnlyList<(string Job, int Count)> quarantined = [];

    /// <summary>Creates the instruments.</summary>
    public LiveJobMetrics(IMeterFactory meters, LiveJobsService live, IngestCounters ingest, Execution.JobErrorLog errors, Quarantine.QuarantineLog quarantine,
        ILogger<LiveJobMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(errors);
        this.live = live;
        this.quarantine = quarantine;
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
        meter.CreateObservableCounter("runtime.job.late_events", () =>
            {
                var late = ingest.LateBySource;
                return live.Runners.Values.Select(r => new Measurement<long>(late.GetValueOrDefault(r.Source), Tags(r)));
            },
            description: "Late events of a live job's trigger source (stored at or below its watermark, then repaired) counted by this process's ingestion, by job and source.");
        meter.CreateObservableGauge("runtime.job.throughput", () => live.Runners.Values.Select(r => new Measurement<double>(r.Progress.EventsPerSecond, Tags(r))),
            description: "Events a live job ran per second over the last 30 s, by job and source.");
        meter.CreateObservableGauge("runtime.job.last_output", () => live.Runners.Values.Where(r => r.Progress.LastOutputAt is not null)
                .Select(r => new Measurement<double>(r.Progress.LastOutputAt!.Value.ToUnixTimeMilliseconds() / 1000.0, Tags(r))), unit: "s",
            description: "When a live job's batch last wrote result rows (Unix time, seconds), by job and source.");
        meter.CreateObservableCounter("runtime.job.errors", () => errors.Counts.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("job", kv.Key))),
            description: "Error records a job's runs (live, replay, call) wrote in this process, by job.");
        meter.CreateObservableGauge("runtime.job.quarantine.size", () => quarantined.Select(q => new Measurement<long>(q.Count, new KeyValuePair<string, object?>("job", q.Job))),
            description: "Events of a live job in quarantine now (stored; every process's), by job.");
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
        var sizes = new List<(string, int)>();
        foreach (var job in live.Runners.Values.Select(r => r.Job).Distinct(StringComparer.Ordinal))
        {
            try
            {
                sizes.Add((job, await quarantine.CountAsync(job, cancellationToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "Counting the quarantine of {Job} for metrics failed.", job);
            }
        }
        quarantined = sizes;
    }

    private static KeyValuePair<string, object?>[] Tags(LiveRunnerStatus runner) => [new("job", runner.Job), new("source", runner.Source)];
}
