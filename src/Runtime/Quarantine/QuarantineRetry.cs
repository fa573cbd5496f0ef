using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// Runs a quarantined event again (<c>POST /api/jobs/{job}/quarantine/{id}/retry</c>) through the path live uses: the
/// run loop in live mode with the job's live outputs, read tracking and the quarantine policy. On success its results
/// are written and the entry removed; on failure the entry stays with the new error and the added attempts.
/// </summary>
public sealed class QuarantineRetry(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IEventReader events,
    EventQuarantine quarantine,
    JobErrorLog errors,
    OutputFactory outputFactory,
    Repair.ComputationRecorder recorder,
    RuntimeMetrics metrics,
    TimeProvider clock,
    ILogger<QuarantineRetry> logger)
{
    /// <summary>Retries entry <paramref name="id"/> of <paramref name="job"/>; null when there is no such job or entry.</summary>
    public async Task<QuarantineRetryResult?> RetryAsync(string job, string id, CancellationToken cancellationToken = default)
    {
        await startup.Ready.WaitAsync(cancellationToken);
        if (startup.Registry.Find(job) is not { } registered || await quarantine.Log.FindAsync(job, id, cancellationToken) is not { } found)
        {
            return null;
        }
        // The event center's canonical copy when it still holds it (the entry keeps one for events past retention).
        var stored = await events.GetByIdAsync(found.Event.Source, found.Event.EventId, cancellationToken) ?? found.Event;
        var outputs = outputFactory.CreateFor(registered, settings.For(job));
        try
        {
            var runner = new JobRunner(registered, startup.DataSource, outputs, errors, logger, clock, metrics, RunMode.Live, recorder: recorder, quarantine: quarantine);
            var outcome = await runner.RunBatchWithErrorsAsync([stored], cancellationToken);
            if (outcome.Errors.Count == 0)
            {
                await quarantine.Log.RemoveAsync(job, stored, cancellationToken);
                logger.LogInformation("Quarantined event {Source}/{EventId} of job {Job} succeeded on retry; {Rows} result rows written", stored.Source, stored.EventId, job,
                    outcome.Results.Count);
                return new QuarantineRetryResult(true, outcome.Results, null);
            }
            return new QuarantineRetryResult(false, [], (await quarantine.Log.FindAsync(job, id, cancellationToken))?.Entry);
        }
        finally
        {
            foreach (var output in outputs)
            {
                await output.DisposeAsync();
            }
        }
    }
}

/// <summary>What a retry of a quarantined event did.</summary>
/// <param name="Succeeded">Whether the logic succeeded (results written, entry removed).</param>
/// <param name="Results">The result rows written.</param>
/// <param name="Entry">On failure, the entry as now stored (new error, attempts added).</param>
public sealed record QuarantineRetryResult(bool Succeeded, IReadOnlyList<FeatureResult> Results, QuarantineEntry? Entry);
