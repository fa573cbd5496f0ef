using System.Collections.Concurrent;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// Where the runtime's jobs run their logic (<see cref="WorkerSettings.Mode"/>): in Process mode each job gets its own
/// lane of supervised worker processes (<see cref="JobWorkers"/>), started on the job's first run; in InProcess mode
/// the embedded interpreter of this process. Stops every worker when disposed.
/// </summary>
public sealed class WorkerSupervisor(WorkerSettings settings, PythonHostOptions python, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, JobWorkers> lanes = new(StringComparer.Ordinal);
    private readonly ILogger logger = loggers.CreateLogger("FeaturePlatform.Runtime.Workers");
    private readonly Lazy<JobLoaderWorker> loader = new(() => new JobLoaderWorker(settings, python, loggers.CreateLogger("FeaturePlatform.Runtime.Workers")));

    /// <summary>The settings.</summary>
    public WorkerSettings Settings { get; } = settings;

    /// <summary>The logic of <paramref name="job"/>: its worker lane, or the in-process interpreter.</summary>
    public IJobLogic For(RegisteredJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Settings.Mode == WorkerMode.InProcess ? InProcessJobLogic.Instance : lanes.GetOrAdd(job.Name, name => new JobWorkers(name, Settings, python, logger));
    }

    /// <summary>
    /// Where this host imports job modules: in Process mode a worker process of its own (author code, module-level code
    /// included, never runs in the host); null in InProcess mode (this process's interpreter).
    /// </summary>
    public IJobDescriber? JobLoader => Settings.Mode == WorkerMode.Process ? loader.Value : null;

    /// <summary>The process id of the worker importing job modules, or null when none runs.</summary>
    public int? JobLoaderProcessId => loader.IsValueCreated ? loader.Value.ProcessId : null;

    /// <summary>Each job's lane (Process mode; jobs that have not run yet have none).</summary>
    public IReadOnlyList<WorkerLaneStatus> Lanes => [.. lanes.Values.Select(l => l.Status).OrderBy(s => s.Job, StringComparer.Ordinal)];

    /// <summary>The lane of <paramref name="job"/>, or null when it has none.</summary>
    public WorkerLaneStatus? LaneOf(string job) => lanes.TryGetValue(job, out var lane) ? lane.Status : null;

    /// <summary>The process ids of <paramref name="job"/>'s live workers.</summary>
    public IReadOnlyList<int> ProcessIdsOf(string job) => lanes.TryGetValue(job, out var lane) ? lane.ProcessIds : [];

    /// <summary>Kills one live worker of <paramref name="job"/>; its runs in flight are retried on a replacement.</summary>
    public int? Kill(string job, string reason) => lanes.TryGetValue(job, out var lane) ? lane.KillOne(reason) : null;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (loader.IsValueCreated)
        {
            await loader.Value.DisposeAsync();
        }
        foreach (var name in lanes.Keys)
        {
            if (lanes.TryRemove(name, out var lane))
            {
                await lane.DisposeAsync();
            }
        }
    }
}
