using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Runs this process's call workers (<see cref="CallSettings.Workers"/> members of group
/// <see cref="CallSettings.GroupId"/>) when <see cref="CallSettings.RunWorker"/>. Results go to each job's configured
/// outputs plus the event center. A worker that fails is logged and restarted after a growing delay; its uncommitted
/// calls are then delivered again. While the workers run, calls accepted in this process also run here at once
/// (<see cref="LocalCalls"/>, through a <see cref="CallRunner"/> of its own) unless <see cref="CallSettings.RunLocally"/> is off.
/// </summary>
internal sealed class CallWorkerService(
    RuntimeSettings settings,
    RuntimeStartup startup,
    IMessageBus bus,
    IEventStore events,
    JobErrorLog errors,
    CallDispatcher dispatcher,
    CallLedger ledger,
    CallCompletions completions,
    CallReplies replies,
    IDeadLetterSink deadLetters,
    OutputFactory outputFactory,
    RuntimeMetrics metrics,
    TimeProvider clock,
    EventTimeLimits timeLimits,
    Quarantine.EventQuarantine quarantine,
    LocalCalls local,
    ILogger<CallWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<IJobOutput>> outputs = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Calls.RunWorker)
        {
            return;
        }
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return;
        }
        if (settings.Calls.RunLocally)
        {
            local.Attach(new CallRunner(settings.Calls, NewCaller(), ledger, completions, replies.Publisher, logger, clock), stoppingToken);
        }
        try
        {
            await Task.WhenAll(Enumerable.Range(0, settings.Calls.Workers).Select(_ => SuperviseAsync(stoppingToken)));
        }
        finally
        {
            await local.DetachAsync();
            // The feature store is the host's shared instance; every other output was made here.
            foreach (var output in outputs.Values.SelectMany(o => o).Where(o => o is not FeatureStore))
            {
                await output.DisposeAsync();
            }
        }
    }

    private async Task SuperviseAsync(CancellationToken stoppingToken)
    {
        var caller = NewCaller();
        var supervisor = new Supervisor(settings.RestartBackoff, clock, failure =>
        {
            logger.LogError(failure.Error, "Call worker failed; restarting in {Delay}", failure.Delay);
            return ValueTask.CompletedTask;
        });
        // The worker returns only when stopping; a missing topic (e.g. Kafka without CreateTopics and not provisioned
        // yet) is retried like a failure.
        await supervisor.RunAsync(async ct =>
        {
            await dispatcher.EnsureTopicAsync(ct);
            await new CallWorker(bus, settings.Calls, caller, ledger, completions, replies.Publisher, logger, deadLetters, clock).RunAsync(ct);
        }, stoppingToken);
    }

    /// <summary>A job caller writing to each job's outputs (one per worker, one for local runs: each keeps its own runners).</summary>
    private JobCaller NewCaller() =>
        new(startup.Registry, events, startup.DataSource, errors, OutputsOf, logger, metrics: metrics, timeLimits: timeLimits, quarantine: quarantine);

    /// <summary>The job's configured outputs plus the event center, which makes results fetchable by other jobs.</summary>
    private IReadOnlyList<IJobOutput> OutputsOf(RegisteredJob job) => outputs.GetOrAdd(job.Name, name =>
    {
        var configured = outputFactory.CreateFor(job, settings.For(name)).ToList();
        if (!configured.OfType<EventCenterOutput>().Any())
        {
            configured.Add(outputFactory.Create(new JobOutputSettings { Kind = JobOutputKind.EventCenter }));
        }
        return configured;
    });
}
