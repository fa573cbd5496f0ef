using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// The run loop's policy for failing events, the same in live, replay and call runs: an event whose run failed (a
/// Python exception, a timeout, or a host error while running it) runs again alone until it succeeds or has failed
/// <see cref="QuarantineSettings.MaxAttempts"/> runs in all; then it is quarantined (<see cref="QuarantineLog"/>) and
/// the run loop goes on with the next events. A host error that fails a whole batch runs each of its events alone,
/// so only the event that causes it is given up on.
/// </summary>
/// <param name="log">Where quarantined events are recorded.</param>
/// <param name="settings">Attempts; off, a failed event is only an error record and a host error fails the batch.</param>
/// <remarks>
/// A retry after a host error runs with no other run of the job in flight (<see cref="AloneRuns"/>): a crashed worker
/// fails every run it holds, and only the run that was alone tells which event crashed it.
/// </remarks>
public sealed class EventQuarantine(QuarantineLog log, QuarantineSettings settings)
{
    /// <summary>The log of quarantined events.</summary>
    public QuarantineLog Log { get; } = log;

    /// <summary>The settings.</summary>
    public QuarantineSettings Settings { get; } = settings;

    /// <summary>
    /// Runs <paramref name="events"/> through <paramref name="logic"/>, retrying failed events alone; returns one
    /// outcome per event and, per event, the runs that failed (0 when its first run succeeded). With
    /// <paramref name="maxAttempts"/> 0 (quarantine off) nothing is retried and a host error fails the run.
    /// </summary>
    internal static async Task<(IReadOnlyList<EventOutcome> Outcomes, int[] FailedRuns)> RunAsync(IJobLogic logic, RegisteredJob job, IReadOnlyList<FeatureEvent> events,
        IFeatureDataSource dataSource, RunMode mode, IReadOnlyList<JobParameterSet>? parameters, int maxAttempts, CancellationToken cancellationToken)
    {
        var failedRuns = new int[events.Count];
        if (maxAttempts == 0)
        {
            // Off: nothing is retried, so no run needs to be alone.
            var results = await logic.RunAsync(job, events, dataSource, mode, parameters, cancellationToken);
            for (var i = 0; i < results.Count; i++)
            {
                failedRuns[i] = results[i].Succeeded ? 0 : 1;
            }
            return (results, failedRuns);
        }
        var gate = AloneRuns.For(job);
        EventOutcome[] outcomes;
        try
        {
            using (await gate.EnterSharedAsync(cancellationToken))
            {
                outcomes = [.. await logic.RunAsync(job, events, dataSource, mode, parameters, cancellationToken)];
            }
            for (var i = 0; i < outcomes.Length; i++)
            {
                failedRuns[i] = outcomes[i].Succeeded ? 0 : 1;
            }
        }
        catch (Exception e) when (IsHostError(e, cancellationToken))
        {
            // Which event caused it is unknown: every event runs alone (a failed batch counts for none of them).
            outcomes = [.. events.Select(ev => Failed(job, ev, e))];
            Array.Fill(failedRuns, -1);
        }
        for (var i = 0; i < outcomes.Length; i++)
        {
            var runs = Math.Max(failedRuns[i], 0);
            var alone = failedRuns[i] != 0;
            // After a host error the event runs with no other run of the job in flight: a worker crash then fails only
            // its own run, so each failed run counts against the event that caused it. After the logic's own error
            // (the event's alone) a retry may share the worker; a host error there counts for nothing and the next
            // retry runs alone.
            var exclusive = failedRuns[i] < 0;
            while (alone && runs < maxAttempts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var counts = true;
                using (await (exclusive ? gate.EnterAloneAsync(cancellationToken) : gate.EnterSharedAsync(cancellationToken)))
                {
                    try
                    {
                        outcomes[i] = (await logic.RunAsync(job, [events[i]], dataSource, mode, parameters is null ? null : [parameters[i]], cancellationToken))[0];
                    }
                    catch (Exception e) when (IsHostError(e, cancellationToken))
                    {
                        outcomes[i] = Failed(job, events[i], e);
                        (counts, exclusive) = (exclusive, true);
                    }
                }
                if (outcomes[i].Succeeded)
                {
                    break;
                }
                if (counts)
                {
                    runs++;
                }
            }
            failedRuns[i] = outcomes[i].Succeeded ? runs : Math.Max(runs, 1);
        }
        return (outcomes, failedRuns);
    }

    private static bool IsHostError(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    /// <summary>A host error as the failed outcome of one event: its kind and message, never the .NET stack.</summary>
    private static EventOutcome Failed(RegisteredJob job, FeatureEvent e, Exception error)
    {
        var host = error as PythonHostException;
        var type = host?.PythonType ?? "HostError";
        var traceback = host?.PythonTraceback ?? $"The runtime failed while running the event: {error.Message}";
        return new EventOutcome(e, [], new PythonJobException(job.Name, type, error.Message, job.Declaration.File, 0, traceback, error), job.Version);
    }
}
