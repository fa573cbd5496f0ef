using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Triggers;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Replay.Sharded;

/// <summary>
/// Takes replay shards from the shards topic (one consumer group across runtime processes), runs each with the job's
/// <see cref="JobRunner"/> over a <see cref="ReplayTrigger"/>, reports the completion to the results topic, and only
/// then commits the shard. A worker that dies mid-shard leaves it uncommitted, so another worker runs it again; the
/// outputs are idempotent, so nothing is doubled.
/// </summary>
public sealed class ReplayShardWorker(
    IMessageBus bus,
    ReplayShardTopics topics,
    string groupId,
    string workerId,
    Func<string, RegisteredJob?> jobs,
    IEventReader events,
    IFeatureDataSource dataSource,
    Func<RegisteredJob, IReadOnlyList<IJobOutput>> outputs,
    JobErrorLog errors,
    ILogger logger,
    ReplayOptions? replayOptions = null,
    RuntimeMetrics? metrics = null,
    IParameterStore? parameterStore = null,
    Quarantine.EventQuarantine? quarantine = null,
    TimeSpan? keepRunFor = null)
{
    private IBusConsumer? consumer;
    private long shardsDone;
    private (string RunId, IFeatureDataSource Source)? run;
    private long lastShardAt;

    /// <summary>This worker's name in completions.</summary>
    public string WorkerId => workerId;

    /// <summary>The run whose data source this worker holds for its next shards, if any.</summary>
    internal string? HeldRun => run?.RunId;

    /// <summary>Shards this worker completed.</summary>
    public long ShardsDone => Interlocked.Read(ref shardsDone);

    /// <summary>The shard-topic partitions currently assigned to this worker.</summary>
    public IReadOnlyList<BusPartition> Assignment => consumer?.Assignment ?? [];

    /// <summary>Runs shards as they arrive, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var shards = bus.CreateConsumer(groupId, [topics.Shards]);
        consumer = shards;
        await using var producer = bus.CreateProducer();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // One shard at a time: a worker never holds shards that an idle worker could run.
                var messages = await shards.ConsumeAsync(1, TimeSpan.FromMilliseconds(100), cancellationToken);
                if (messages.Count == 0 && run is not null && Environment.TickCount64 - lastShardAt > (long)(keepRunFor ?? TimeSpan.FromSeconds(30)).TotalMilliseconds)
                {
                    run = null; // no shard for a while: the run's cached states and windows go
                }
                foreach (var message in messages)
                {
                    var completion = await RunShardAsync(ReplayShard.FromJson(message.Value), cancellationToken) with { Partition = message.Partition };
                    await producer.ProduceAsync(topics.Results, [new OutgoingMessage(message.Key, completion.ToJson())], cancellationToken);
                    await shards.CommitAsync([message.Next], cancellationToken);
                    Interlocked.Increment(ref shardsDone);
                    lastShardAt = Environment.TickCount64;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer = null;
        }
    }

    /// <summary>
    /// The data source of a replay run's shards: one per run, kept while this worker's shards are of that run (and for
    /// <c>keepRunFor</c> after the last one), so the settled states and history windows one shard read serve the run's
    /// next shards here too (a window read ahead reaches into the chunks after its own).
    /// </summary>
    private IFeatureDataSource RunSource(string runId)
    {
        if (run is not { } current || current.RunId != runId)
        {
            current = (runId, (dataSource as IRunScopedDataSource)?.ForRun() ?? dataSource);
            run = current;
        }
        return current.Source;
    }

    private async Task<ShardCompletion> RunShardAsync(ReplayShard shard, CancellationToken cancellationToken)
    {
        if (jobs(shard.Job) is not { } job)
        {
            logger.LogError("Replay {Run} shard {Index}: job {Job} is not loaded in worker {Worker}", shard.RunId, shard.Index, shard.Job, workerId);
            return new ShardCompletion(shard.RunId, shard.Index, workerId, 0, 0, 0, $"job '{shard.Job}' is not loaded");
        }
        // As every replay: each event with the parameter values in force at its time.
        var plan = parameterStore is null ? null : ParameterPlan.Create(job.Declaration, await parameterStore.GetHistoryAsync(job.Name, cancellationToken));
        var runner = new JobRunner(job, RunSource(shard.RunId), outputs(job), errors, logger, metrics: metrics, mode: RunMode.Replay,
            parameters: plan, quarantine: quarantine);
        await runner.RunAsync(new ReplayTrigger(events, shard.Sources, shard.From, shard.To, replayOptions), cancellationToken);
        logger.LogInformation("Replay {Run} shard {Index}/{Count} [{From}, {To}) done by {Worker}: {Events} events", shard.RunId, shard.Index, shard.Count,
            shard.From, shard.To, workerId, runner.Counters.Events);
        return new ShardCompletion(shard.RunId, shard.Index, workerId, runner.Counters.Events, runner.Counters.Results, runner.Counters.Failures, null);
    }
}
