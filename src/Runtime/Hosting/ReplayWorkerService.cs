using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Replay.Sharded;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Runs this process's <see cref="ReplayShardWorker"/> when <see cref="ReplayWorkerSettings.Enabled"/>.</summary>
internal sealed class ReplayWorkerService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IMessageBus bus,
    IEventReader events,
    JobErrorLog errors,
    OutputFactory outputFactory,
    RuntimeMetrics metrics,
    Parameters.IParameterStore parameters,
    Quarantine.EventQuarantine quarantine,
    ILogger<ReplayShardWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var worker = settings.ReplayWorker;
        if (!worker.Enabled)
        {
            return;
        }
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return;
        }
        await new ReplayShardWorker(bus, new ReplayShardTopics(worker.ShardsTopic, worker.ResultsTopic), worker.GroupId,
            $"{Environment.MachineName}/{Environment.ProcessId}", name => startup.Registry.Find(name), events, startup.DataSource,
            job => outputFactory.CreateFor(job, settings.For(job.Name)), errors, logger,
            new ReplayOptions { BatchSize = worker.BatchSize, Parallelism = worker.Parallelism }, metrics, parameters, quarantine).RunAsync(stoppingToken);
    }
}
