using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// Runs every enabled job live: one <see cref="LiveTrigger"/> + <see cref="JobRunner"/> per job and trigger source,
/// in consumer group <c>featureplatform-job-&lt;name&gt;</c> (so several processes share the partitions). A runner
/// that fails is logged and restarted after a growing delay; its uncommitted batch is then delivered again.
/// </summary>
/// <remarks>
/// The set of runners follows the jobs at run time. It is reconciled when a job's <see cref="RegisteredJob.Enabled"/>
/// changes (<see cref="RegisteredJob.EnabledChanged"/>, e.g. the jobs API), when a switch stored in the
/// <see cref="JobSwitchStore"/> by any process is newer than the one applied here, and every
/// <see cref="RuntimeSettings.JobSwitchPollInterval"/> (which also picks up hot-reloaded versions whose triggers
/// changed). Disabling stops a job's runners gracefully: the batches being run finish, their outputs are written and their
/// offsets committed, then the consumer leaves the group — which keeps its committed position, so enabling resumes
/// where the job stopped and runs the backlog once. A reloaded version that drops a trigger source stops that runner
/// the same way; one that adds a source starts a runner for it. A reload that changes the number of triggers changes
/// the consumer group names (see <see cref="GroupId"/>): the new groups start at the earliest retained message, so
/// retained events run again (the feature store's upserts are idempotent, other outputs see them twice).
/// </remarks>
public sealed class LiveJobsService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
    ConsistencyWaiter waiter,
    IEventReader events,
    JobErrorLog errors,
    JobSwitchStore switches,
    IWatermarkStore watermarks,
    OutputFactory outputFactory,
    Repair.ComputationRecorder recorder,
    RuntimeMetrics metrics,
    Quarantine.EventQuarantine quarantine,
    TimeProvider clock,
    ILogger<LiveJobsService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, LiveRunnerStatus> runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RunningRunner> running = new(StringComparer.Ordinal);
    private readonly HashSet<string> missingSources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> appliedSwitches = new(StringComparer.Ordinal);
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The live runners by "job/source", with their counters and last failure. A stopped runner is removed.</summary>
    public IReadOnlyDictionary<string, LiveRunnerStatus> Runners => runners;

    /// <summary>The lag of <paramref name="runner"/> behind its trigger source (reads the source's watermarks).</summary>
    public async Task<LiveRunnerLag> GetLagAsync(LiveRunnerStatus runner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var watermark = await watermarks.GetEventTimeAsync(runner.Source, cancellationToken);
        var offsets = new List<PartitionWatermark>();
        await foreach (var w in watermarks.GetOffsetsAsync(runner.Source, cancellationToken))
        {
            offsets.Add(w);
        }
        return LiveRunnerLag.Compute(runner.Progress, watermark, offsets);
    }

    /// <summary>The consumer group of a job's live trigger on <paramref name="source"/>.</summary>
    public static string GroupId(RegisteredJob job, string source) =>
        job.Declaration.Triggers.Count <= 1 ? $"featureplatform-job-{job.Name}" : $"featureplatform-job-{job.Name}-{source}";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.RunLiveJobs)
        {
            return;
        }
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return;
        }
        var registry = startup.Registry;
        // Jobs the job registry brings later (a promoted new job) are in the next read of registry.Jobs; adding one wakes the loop.
        var watched = new HashSet<RegisteredJob>();
        registry.JobAdded += OnEnabledChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = Volatile.Read(ref wake).Task;
                var jobs = registry.Jobs;
                foreach (var job in jobs.Where(watched.Add))
                {
                    job.EnabledChanged += OnEnabledChanged;
                }
                try
                {
                    await switches.ApplyAsync(jobs, appliedSwitches, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Reading the stored job switches failed; retrying");
                }
                await ReconcileAsync(jobs, stoppingToken);
                await Task.WhenAny(next, Task.Delay(settings.JobSwitchPollInterval, stoppingToken));
            }
        }
        finally
        {
            registry.JobAdded -= OnEnabledChanged;
            foreach (var job in watched)
            {
                job.EnabledChanged -= OnEnabledChanged;
            }
            // The host is stopping: the runners see stoppingToken themselves.
            await Task.WhenAll(running.Select(r => AwaitQuietlyAsync(r.Key, r.Value.Completion)));
            foreach (var r in running.Values)
            {
                r.Dispose();
            }
        }
    }

    private void OnEnabledChanged(RegisteredJob job) =>
        Interlocked.Exchange(ref wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Stops the runners that should not run (gracefully, awaited), then starts the missing ones.</summary>
    private async Task ReconcileAsync(IReadOnlyCollection<RegisteredJob> jobs, CancellationToken stoppingToken)
    {
        var wanted = new Dictionary<string, (RegisteredJob Job, SourceDefinition Source, string Group)>(StringComparer.Ordinal);
        foreach (var job in jobs.Where(j => j.Enabled && !j.Retired))
        {
            foreach (var trigger in job.Declaration.Triggers)
            {
                var key = $"{job.Name}/{trigger.Source}";
                if (sources.Find(trigger.Source) is not { } source)
                {
                    if (missingSources.Add(key))
                    {
                        logger.LogError("Job {Job} is triggered by source {Source}, which EventCenter:Sources does not define; it does not run live on it",
                            job.Name, trigger.Source);
                    }
                    continue;
                }
                wanted[key] = (job, source, GroupId(job, source.Name));
            }
        }
        var stopping = running.Where(r => !wanted.TryGetValue(r.Key, out var w) || w.Group != r.Value.Status.GroupId).ToList();
        foreach (var (key, runner) in stopping)
        {
            logger.LogInformation("Stopping live runner {Runner} (job disabled or its triggers changed); its current batch finishes first", key);
            runner.Stop();
        }
        foreach (var (key, runner) in stopping)
        {
            await AwaitQuietlyAsync(key, runner.Completion);
            runner.Dispose();
            running.Remove(key);
            runners.TryRemove(key, out _);
        }
        foreach (var (key, (job, source, group)) in wanted.Where(w => !running.ContainsKey(w.Key)))
        {
            var status = new LiveRunnerStatus(job.Name, source.Name, group);
            var stop = new CancellationTokenSource();
            runners[key] = status;
            running[key] = new RunningRunner(status, stop, SuperviseAsync(job, source, status, stop.Token, stoppingToken));
        }
    }

    /// <summary>Waits for a runner's supervisor; one that failed outside its restart loop (e.g. outputs that cannot be created) is logged.</summary>
    private async Task AwaitQuietlyAsync(string key, Task completion)
    {
        try
        {
            await completion;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Live runner {Runner} ended with a failure", key);
        }
    }

    private async Task SuperviseAsync(RegisteredJob job, SourceDefinition source, LiveRunnerStatus status, CancellationToken stop, CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, stoppingToken);
        var outputs = outputFactory.CreateFor(job, settings.For(job.Name));
        var level = EventCenterDataSource.ToLevel(job.Declaration.Consistency);
        var supervisor = new Supervisor(settings.RestartBackoff, clock, failure =>
        {
            status.Restarts++;
            status.LastError = $"{failure.Error.GetType().Name}: {failure.Error.Message}";
            logger.LogError(failure.Error, "Live runner of job {Job} on {Source} failed; restarting in {Delay}", job.Name, source.Name, failure.Delay);
            return ValueTask.CompletedTask;
        });
        await supervisor.RunAsync(async _ =>
        {
            var runner = new JobRunner(job, startup.DataSource, outputs, errors, logger, metrics: metrics, mode: RunMode.Live, recorder: recorder, quarantine: quarantine);
            status.Current = runner.Counters;
            logger.LogInformation("Job {Job} runs live on {Source} (group {Group}, {Consistency})", job.Name, source.Name, status.GroupId, level);
            var trigger = new LiveTrigger(bus, source, status.GroupId, level, waiter, events, settings.Live.ToOptions());
            // Stopping ends the trigger after the running batch; only host shutdown cancels the batch itself.
            // A batch that wrote result rows (the runner's results counter moved) stamps the runner's last output time.
            var resultsSeen = runner.Counters.Results;
            await runner.RunAsync(new StoppableTrigger(trigger, stop, batch =>
            {
                var results = runner.Counters.Results;
                status.Progress.Completed(batch, results > resultsSeen ? clock.GetUtcNow() : null);
                resultsSeen = results;
            }), stoppingToken);
            logger.LogInformation("Job {Job} stopped running live on {Source}", job.Name, source.Name);
        }, either.Token);
    }

    private sealed class RunningRunner(LiveRunnerStatus status, CancellationTokenSource stop, Task completion) : IDisposable
    {
        public LiveRunnerStatus Status { get; } = status;

        public Task Completion { get; } = completion;

        public void Stop() => stop.Cancel();

        public void Dispose() => stop.Dispose();
    }
}

/// <summary>State of one live runner.</summary>
/// <param name="Job">The job.</param>
/// <param name="Source">The trigger source.</param>
/// <param name="GroupId">Its consumer group.</param>
public sealed record LiveRunnerStatus(string Job, string Source, string GroupId)
{
    /// <summary>Counters of the current run (since the last restart).</summary>
    public RunCounters? Current { get; internal set; }

    /// <summary>Progress over all runs of this runner (event time and offsets reached, throughput).</summary>
    public LiveRunnerProgress Progress { get; } = new();

    /// <summary>Restarts after failures.</summary>
    public int Restarts { get; internal set; }

    /// <summary>The last failure, if any.</summary>
    public string? LastError { get; internal set; }
}
