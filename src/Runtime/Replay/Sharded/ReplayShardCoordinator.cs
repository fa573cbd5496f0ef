using System.Text;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.Runtime.Replay.Sharded;

/// <summary>
/// Hands a replay out to every runtime process: splits [from, to) into time-chunk shards, publishes their descriptors
/// to the shards topic (workers in one consumer group take them), and collects the completions workers publish to the
/// results topic. The event store replays by source and time range only (no salt filter), so shards are time chunks.
/// </summary>
public sealed class ReplayShardCoordinator(IMessageBus bus, ReplayShardTopics topics)
{
    /// <summary>
    /// Splits the replay of <paramref name="sources"/> (a job's trigger sources) into <paramref name="shards"/> time
    /// chunks of equal span. Each shard replays every source of its chunk merged in (event time, source position)
    /// order, so the shards together run the same events, each once, whatever the shard count.
    /// </summary>
    public static IReadOnlyList<ReplayShard> Split(string runId, string job, IReadOnlyList<string> sources, long from, long to, int shards)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new ArgumentException("A replay needs at least one source.", nameof(sources));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        if (to <= from)
        {
            throw new ArgumentException("The replay range [from, to) is empty.");
        }
        var count = (int)Math.Min(shards, to - from);
        var span = (to - from) / count;
        return Enumerable.Range(0, count)
            .Select(i => new ReplayShard(runId, i, count, job, sources, from + i * span, i == count - 1 ? to : from + (i + 1) * span))
            .ToList();
    }

    /// <summary>
    /// Publishes the shards, keyed by run and index, dealt round the topic's partitions (shard i to partition i mod the
    /// count): each worker of the group holds as many partitions as the others, give or take one, so it gets as many shards.
    /// Keys alone hash them unevenly (36 shards over 6 partitions went 4, 6, 10, 5, 4, 7; two workers got 22 and 14, and
    /// the run took as long as the 22).
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<ReplayShard> shards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var partitions = await bus.GetPartitionCountAsync(topics.Shards, cancellationToken);
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(topics.Shards,
            shards.Select(s => new OutgoingMessage(Encoding.UTF8.GetBytes($"{s.RunId}/{s.Index}"), s.ToJson(), Partition: partitions > 0 ? s.Index % partitions : null)).ToList(),
            cancellationToken);
    }

    /// <summary>
    /// Reads the results topic until every shard of <paramref name="runId"/> has completed; returns one completion per
    /// shard (the first reported, should a re-delivered shard be reported twice).
    /// </summary>
    /// <exception cref="TimeoutException">Not every shard completed within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<ShardCompletion>> WaitForCompletionAsync(string runId, int shardCount, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var done = new SortedDictionary<int, ShardCompletion>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        // A private group reading from the start: every completion is seen, whoever else reads the topic.
        await using var consumer = bus.CreateConsumer($"replay-coordinator-{runId}-{Guid.NewGuid():N}", [topics.Results]);
        try
        {
            while (done.Count < shardCount)
            {
                foreach (var message in await consumer.ConsumeAsync(256, TimeSpan.FromMilliseconds(100), limit.Token))
                {
                    var completion = ShardCompletion.FromJson(message.Value);
                    if (completion.RunId == runId)
                    {
                        done.TryAdd(completion.Index, completion);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Replay {runId}: {done.Count} of {shardCount} shards completed within {timeout}.");
        }
        return [.. done.Values];
    }
}

/// <summary>The topics replay shards travel on.</summary>
/// <param name="Shards">Shard descriptors (workers consume it in one group).</param>
/// <param name="Results">Shard completions.</param>
public sealed record ReplayShardTopics(string Shards = "featureplatform-replay-shards", string Results = "featureplatform-replay-results");
