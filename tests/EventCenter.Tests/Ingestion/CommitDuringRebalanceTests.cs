using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// A Kafka group member finishes a rebalance only when it polls again; until then its commits fail with "rebalance in
/// progress". An ingest worker that retried such a commit in place (without consuming) held the whole group in the
/// rebalance: ingestion of every partition stopped and trigger-strong jobs timed out. The bus here behaves that way.
/// </summary>
public sealed class CommitDuringRebalanceTests
{
    [Fact]
    public async Task A_commit_failing_during_a_rebalance_does_not_stop_ingestion_and_its_offsets_are_committed_later()
    {
        var inner = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("rebalance-bus")) });
        var bus = new RebalancingBus(inner);
        var topic = UniqueName.For("topic");
        await bus.CreateTopicAsync(topic, 2);
        var options = new IngestOptions
        {
            GroupId = UniqueName.For("ingest"),
            MaxBatchMessages = 20,
            MaxBatchWait = TimeSpan.FromMilliseconds(20),
            IdlePartitionTimeout = TimeSpan.FromMilliseconds(300),
            RetryDelay = TimeSpan.FromMilliseconds(20),
        };
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "orders", Format = SourceFormat.Json, Topics = [topic], KeyFields = ["user_id"], TimeField = "t", IdField = "oid" }],
            options);
        const int Count = 200;
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, [.. Enumerable.Range(0, Count).Select(i => new OutgoingMessage(
                Encoding.UTF8.GetBytes($"u{i % 7}"),
                Encoding.UTF8.GetBytes($$"""{"oid":"o{{i}}","user_id":"u{{i % 7}}","t":{{(t0 + i).ToString(CultureInfo.InvariantCulture)}}}""")))]);
        }
        // The first commit starts a rebalance: commits fail until the member has polled twice more.
        bus.RebalanceAtNextCommit();
        harness.StartWorker();

        await Poll.UntilAsync(async () => (await harness.Events.GetByIdsAsync("orders", [.. Enumerable.Range(0, Count).Select(i => $"o{i}")])).All(e => e is not null),
            () => Task.FromResult($"all {Count} events are stored (written {harness.Counters.Written}, failed commits {harness.Counters.FailedCommits}, polls during the rebalance {bus.PollsDuringRebalance})"),
            TimeSpan.FromSeconds(30));
        Assert.True(harness.Counters.FailedCommits > 0, "the simulated rebalance made a commit fail");

        // The failed commit's offsets are not lost: later commits carry them, so the group's offsets reach the end.
        var ends = await bus.GetEndOffsetsAsync(topic) ?? throw new InvalidOperationException("no end offsets");
        await Poll.UntilAsync(() => Task.FromResult(Enumerable.Range(0, ends.Count).All(p => bus.Committed(topic, p) >= ends[p])),
            () => Task.FromResult($"every partition's committed offset reached its end ({string.Join(", ", Enumerable.Range(0, ends.Count).Select(p => $"{bus.Committed(topic, p)}/{ends[p]}"))})"));
        Assert.Equal(Count, harness.Counters.Written);
    }

    /// <summary>A bus whose consumers' commits fail after <see cref="RebalanceAtNextCommit"/> until they have polled twice.</summary>
    private sealed class RebalancingBus(IMessageBus inner) : IMessageBus
    {
        private int armed;
        private int pollsLeft;

        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int), long> committed = new();

        public int PollsDuringRebalance { get; private set; }

        /// <summary>The highest offset committed through this bus for a partition (-1: none).</summary>
        public long Committed(string topic, int partition) => committed.GetValueOrDefault((topic, partition), -1);

        public void RebalanceAtNextCommit() => Volatile.Write(ref armed, 1);

        public ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(topic, partitions, cancellationToken);

        public ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default) => inner.GetPartitionCountAsync(topic, cancellationToken);

        public ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default) => inner.GetEndOffsetsAsync(topic, cancellationToken);

        public IBusProducer CreateProducer() => inner.CreateProducer();

        public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics) => new Consumer(inner.CreateConsumer(groupId, topics), this);

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private sealed class Consumer(IBusConsumer inner, RebalancingBus owner) : IBusConsumer
        {
            public string GroupId => inner.GroupId;

            public IReadOnlyList<BusPartition> Assignment => inner.Assignment;

            public long? KnownEndOffset(BusPartition partition) => inner.KnownEndOffset(partition);

            public ValueTask<IReadOnlyList<BusMessage>> ConsumeAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
            {
                if (Interlocked.CompareExchange(ref owner.pollsLeft, 0, 0) > 0)
                {
                    Interlocked.Decrement(ref owner.pollsLeft);
                    owner.PollsDuringRebalance++;
                }
                return inner.ConsumeAsync(maxMessages, maxWait, cancellationToken);
            }

            public ValueTask CommitAsync(IReadOnlyList<BusPosition> positions, CancellationToken cancellationToken = default)
            {
                if (Interlocked.Exchange(ref owner.armed, 0) == 1)
                {
                    Interlocked.Exchange(ref owner.pollsLeft, 2);
                }
                if (Volatile.Read(ref owner.pollsLeft) > 0)
                {
                    throw new InvalidOperationException("Broker: Group rebalance in progress");
                }
                foreach (var position in positions)
                {
                    owner.committed.AddOrUpdate((position.Topic, position.Partition), position.Offset, (_, old) => Math.Max(old, position.Offset));
                }
                return inner.CommitAsync(positions, cancellationToken);
            }

            public ValueTask<long> GetCommittedAsync(string topic, int partition, CancellationToken cancellationToken = default) => inner.GetCommittedAsync(topic, partition, cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
