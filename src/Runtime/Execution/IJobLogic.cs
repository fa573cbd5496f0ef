using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// How the run loop runs a job's logic on events: in this process (<see cref="InProcessJobLogic"/>) or, later, in a
/// worker process. An error of the logic on one event is that event's outcome; an exception means the run as a whole
/// failed (a host error) and the run loop decides what to do about it (retry alone, quarantine).
/// </summary>
public interface IJobLogic
{
    /// <summary>Runs <paramref name="job"/> on <paramref name="events"/>; one outcome per event, in order.</summary>
    /// <param name="job">The job.</param>
    /// <param name="events">The events, as the logic sees them.</param>
    /// <param name="dataSource">Serves the logic's reads.</param>
    /// <param name="mode">Calls run each event as a single call on the latency lane; live and replay as a batch on the bulk lane.</param>
    /// <param name="parameters">Per event, the parameter values it runs with; null: the job's current values.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, RunMode mode,
        IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken);
}

/// <summary>The job's logic in this process's embedded interpreter (PyBridge).</summary>
public sealed class InProcessJobLogic : IJobLogic
{
    /// <summary>The one instance.</summary>
    public static InProcessJobLogic Instance { get; } = new();

    /// <inheritdoc />
    public Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, RunMode mode,
        IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return mode == RunMode.Call
            ? job.Loaded.InvokeEachAsync(events, dataSource)
            : job.Loaded.InvokeBatchAsync(events, dataSource, cancellationToken, parameters);
    }
}
