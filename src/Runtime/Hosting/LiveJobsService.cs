using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion.Sources;
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
public sealed class LiveJobsService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IMessageBus bus,
    SourceRegistry sources,
    ConsistencyWaiter waiter,
    JobErrorLog errors,
    IServiceProvider services,
    ILogger<LiveJobsService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, LiveRunnerStatus> runners = new(StringComparer.Ordinal);

    /// <summary>The live runners by "job/source", with their counters and last failure.</summary>
    public IReadOnlyDictionary<string, LiveRunnerStatus> Runners => runners;

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
        try
        {
            await startup.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception) when (startup.Ready.IsFaulted)
        {
            // Start-up logged why; readiness reports it. The host stays up.
            return;
        }
        var runs = new List<Task>();
        foreach (var job in startup.Registry.Jobs.Where(j => j.Enabled))
        {
            foreach (var trigger in job.Declaration.Triggers)
            {
                if (sources.Find(trigger.Source) is not { } source)
                {
                    logger.LogError("Job {Job} is triggered by source {Source}, which EventCenter:Sources does not define; it does not run live on it",
                        job.Name, trigger.Source);
                    continue;
                }
                var status = new LiveRunnerStatus(job.Name, source.Name, GroupId(job, source.Name));
                runners[$"{job.Name}/{source.Name}"] = status;
                runs.Add(SuperviseAsync(job, source, status, stoppingToken));
            }
        }
        await Task.WhenAll(runs);
    }

    private async Task SuperviseAsync(RegisteredJob job, SourceDefinition source, LiveRunnerStatus status, CancellationToken stoppingToken)
    {
        var delay = settings.RestartDelay;
        var outputs = JobOutputs.Create(settings.For(job.Name).EffectiveOutputs, job.Name, services);
        var level = EventCenterDataSource.ToLevel(job.Declaration.Consistency);
        while (!stoppingToken.IsCancellationRequested)
        {
            var runner = new JobRunner(job, startup.DataSource, outputs, errors, logger);
            status.Current = runner.Counters;
            var started = DateTime.UtcNow;
            try
            {
                logger.LogInformation("Job {Job} runs live on {Source} (group {Group}, {Consistency})", job.Name, source.Name, status.GroupId, level);
                await runner.RunAsync(new LiveTrigger(bus, source, status.GroupId, level, waiter, settings.Live.ToOptions()), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                status.Restarts++;
                status.LastError = $"{e.GetType().Name}: {e.Message}";
                // A runner that ran well for a while starts the back-off again.
                if (DateTime.UtcNow - started > settings.MaxRestartDelay)
                {
                    delay = settings.RestartDelay;
                }
                logger.LogError(e, "Live runner of job {Job} on {Source} failed; restarting in {Delay}", job.Name, source.Name, delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxRestartDelay.Ticks));
            }
        }
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

    /// <summary>Restarts after failures.</summary>
    public int Restarts { get; internal set; }

    /// <summary>The last failure, if any.</summary>
    public string? LastError { get; internal set; }
}
