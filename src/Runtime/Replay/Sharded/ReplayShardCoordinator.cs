using System.Text;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.Runtime.Replay.Sharded;

/// <summary>
/// Hands a replay out to every runtime process: splits [from, to) into time-chunk shards, publishes their descriptors
/// to the shards topic (workers in one consumer group take them), and collects the completions workers publish to the
/// results topic. The event store replays by source and time range only (no salt filter), so shards are time chunks.
/// </summary>
public sealed class ReplayShardCoordinator(IMessageBus bus, ReplayShardTopics topics) : IAsyncDisposable
{
    private readonly SemaphoreSlim oneRun = new(1, 1);
    private IBusConsumer? results;

    /// <summary>
    /// Joins the results topic (a private consumer group, reading from the start) before any run: a new group waits for
    /// the broker's initial rebalance delay (3 s by Kafka's default) before it reads, and a run's shards after the first
    /// ones are dealt only as completions are read. A coordinator kept across runs joins once.
    /// </summary>
    /// <exception cref="TimeoutException">Not joined within <paramref name="timeout"/>.</exception>
    public async Task ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await oneRun.WaitAsync(cancellationToken);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            var consumer = Results();
            try
            {
                while (consumer.Assignment.Count == 0)
                {
                    // No run is under way here: what is read now are completions of earlier runs.
                    await consumer.ConsumeAsync(256, TimeSpan.FromMilliseconds(100), limit.Token);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The replay coordinator did not join the results topic '{topics.Results}' within {timeout}.");
            }
        }
        finally
        {
            oneRun.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (results is not null)
        {
            await results.DisposeAsync();
            results = null;
        }
        oneRun.Dispose();
    }

    private IBusConsumer Results() => results ??= bus.CreateConsumer($"replay-coordinator-{Guid.NewGuid():N}", [topics.Results]);

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
        var partitions = await bus.GetPartitionCountAsync(topics.Shards, cancellationToken) ?? 0;
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(topics.Shards, shards.Select(s => Message(s, DealtPartition(s, partitions))).ToList(), cancellationToken);
    }

    /// <summary>
    /// Runs a replay's shards on the workers of the shards topic's group and returns one completion per shard (the first
    /// reported, should a re-delivered shard be reported twice). Shards are dealt as workers free up instead of all at
    /// once: first <paramref name="aheadPerPartition"/> to each partition (shard i to partition i mod the count), then,
    /// for each completion that comes back, the next shard to the partition the completed one was taken from — the
    /// worker that has just finished one. A worker that runs faster (a host with a core to itself, cheaper time chunks)
    /// so takes more shards, and the run lasts as long as the cluster's work, not as long as the slowest worker's equal
    /// share. Dealt up front (<see cref="PublishAsync"/>), 36 shards on two hosts, one of them sharing its core with
    /// the shared services, went 18 and 18 and the faster host idled at the end.
    /// </summary>
    /// <remarks>
    /// One run at a time per coordinator (a second waits). Call <see cref="ConnectAsync"/> first, once: until the
    /// coordinator's results group has joined, workers run only the first shards. Shards not dealt yet exist only in this call: should it stop, the shards already dealt still run and report, but
    /// the rest do not (<see cref="PublishAsync"/> then <see cref="WaitForCompletionAsync"/> hand a whole run to the
    /// bus at once where that matters more than balance). With one partition per worker, a worker waits for the next
    /// shard for a round trip over the bus after each one; raise <paramref name="aheadPerPartition"/> to 2 there.
    /// </remarks>
    /// <param name="shards">The run's shards (<see cref="Split"/>), all of one run.</param>
    /// <param name="timeout">How long the whole run may take.</param>
    /// <param name="aheadPerPartition">Shards waiting on each partition at most (dealt, not yet done). Default: 1.</param>
    /// <param name="cancellationToken">Stops waiting (and dealing).</param>
    /// <exception cref="TimeoutException">Not every shard completed within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<ShardCompletion>> RunAsync(IReadOnlyList<ReplayShard> shards, TimeSpan timeout, int aheadPerPartition = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentOutOfRangeException.ThrowIfLessThan(aheadPerPartition, 1);
        if (shards.Count == 0)
        {
            return [];
        }
        var runId = shards[0].RunId;
        if (shards.Any(s => s.RunId != runId))
        {
            throw new ArgumentException("The shards of one run are dealt together; these name several runs.", nameof(shards));
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var done = new SortedDictionary<int, ShardCompletion>();
        await oneRun.WaitAsync(cancellationToken);
        try
        {
            var partitions = await bus.GetPartitionCountAsync(topics.Shards, limit.Token) ?? 0;
            // The coordinator's private group, reading from the start (created before the first shard goes out, so every
            // completion is seen); kept for the next run. Until it has joined (ConnectAsync), only the first shards run.
            var results = Results();
            await using var producer = bus.CreateProducer();
            var next = Math.Min(shards.Count, Math.Max(1, partitions) * aheadPerPartition);
            await producer.ProduceAsync(topics.Shards, shards.Take(next).Select(s => Message(s, DealtPartition(s, partitions))).ToList(), limit.Token);
            while (done.Count < shards.Count)
            {
                var deal = new List<OutgoingMessage>();
                foreach (var message in await results.ConsumeAsync(256, TimeSpan.FromMilliseconds(100), limit.Token))
                {
                    var completion = ShardCompletion.FromJson(message.Value);
                    if (completion.RunId != runId || !done.TryAdd(completion.Index, completion) || next == shards.Count)
                    {
                        continue;
                    }
                    var shard = shards[next++];
                    deal.Add(Message(shard, completion.Partition is { } p && p >= 0 && p < partitions ? p : DealtPartition(shard, partitions)));
                }
                if (deal.Count > 0)
                {
                    await producer.ProduceAsync(topics.Shards, deal, limit.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Replay {runId}: {done.Count} of {shards.Count} shards completed within {timeout}.");
        }
        finally
        {
            oneRun.Release();
        }
        return [.. done.Values];
    }

    /// <summary>Shard i goes to partition i mod the count (null: the topic's partition count is unknown, the key decides).</summary>
    private static int? DealtPartition(ReplayShard shard, int partitions) => partitions > 0 ? shard.Index % partitions : null;

    private static OutgoingMessage Message(ReplayShard shard, int? partition) =>
        new(Encoding.UTF8.GetBytes($"{shard.RunId}/{shard.Index}"), shard.ToJson(), Partition: partition);

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
