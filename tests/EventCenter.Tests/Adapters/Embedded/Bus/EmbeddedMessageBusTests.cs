using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Tests.Bus;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Bus;

public sealed class EmbeddedMessageBusTests : MessageBusContractTests, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("bus"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task A_revoked_member_cannot_commit_for_partitions_it_no_longer_owns()
    {
        await using var bus = Open();
        await bus.CreateTopicAsync("own", 2);
        await bus.CreateProducer().ProduceAsync("own", Enumerable.Range(0, 20).Select(i => Message($"k{i}", $"v{i}")).ToList());
        await using var a = bus.CreateConsumer("g", ["own"]);
        await a.ConsumeAsync(100, Wait);
        await using var b = bus.CreateConsumer("g", ["own"]);
        // Partition 1 now belongs to b; a's commit for it is ignored.
        await a.CommitAsync([new BusPosition("own", 0, 3), new BusPosition("own", 1, 7)]);
        Assert.Equal(3, await a.GetCommittedAsync("own", 0));
        Assert.Equal(0, await a.GetCommittedAsync("own", 1));
    }

    [Fact]
    public async Task Bad_input_gets_clear_errors()
    {
        await using var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = directory, MaxMessageBytes = 1024 });
        await Assert.ThrowsAsync<ArgumentException>(async () => await bus.CreateTopicAsync("bad topic!", 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bus.CreateTopicAsync("ok", 0));
        var producer = bus.CreateProducer();
        var unknown = await Assert.ThrowsAsync<ArgumentException>(async () => await producer.ProduceAsync("missing", [Message("k", "v")]));
        Assert.Contains("missing", unknown.Message, StringComparison.Ordinal);
        await bus.CreateTopicAsync("ok", 1);
        var big = await Assert.ThrowsAsync<BusProduceException>(async () => await producer.ProduceAsync("ok", [new OutgoingMessage(null, new byte[2048]), new OutgoingMessage(null, new byte[10])]));
        Assert.Contains("2048", big.Message, StringComparison.Ordinal);
        Assert.Equal([true, false], big.Outcomes.Select(o => o.IsRefused));
        Assert.False(big.Outcomes[1].IsDelivered);
        Assert.Throws<ArgumentException>(() => bus.CreateConsumer("g", ["missing"]));
    }

    [Fact]
    public async Task Retention_removes_old_messages_but_offsets_never_go_back()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20000));
        var options = new EmbeddedBusOptions { Directory = directory, Retention = TimeSpan.FromDays(1) };
        await using (var bus = new EmbeddedMessageBus(options, clock))
        {
            await bus.CreateTopicAsync("r", 1);
            await bus.CreateProducer().ProduceAsync("r", [Message("a", "old1"), Message("a", "old2")]);
            clock.Advance(TimeSpan.FromDays(2));
            await bus.CreateProducer().ProduceAsync("r", [Message("a", "new")]);
            Assert.Equal(2, await bus.ApplyRetentionAsync());
            await using var consumer = bus.CreateConsumer("g", ["r"]);
            var left = await consumer.ConsumeAsync(10, Wait);
            Assert.Equal(("new", 2L), (Encoding.UTF8.GetString(Assert.Single(left).Value), left[0].Offset));
            await consumer.CommitAsync([left[0].Next]);
        }
        await using var reopened = new EmbeddedMessageBus(options, clock);
        clock.Advance(TimeSpan.FromDays(2));
        await reopened.ApplyRetentionAsync();
        var next = await reopened.CreateProducer().ProduceAsync("r", [Message("a", "later")]);
        Assert.Equal(3, Assert.Single(next).Offset);
    }

    [Fact]
    public async Task Committed_positions_and_messages_survive_reopening_the_bus()
    {
        await using (var bus = Open())
        {
            await bus.CreateTopicAsync("t", 1);
            await bus.CreateProducerAnd(p => p.ProduceAsync("t", Enumerable.Range(0, 10).Select(i => Message("k", $"v{i}")).ToList()));
            await using var consumer = bus.CreateConsumer("g", ["t"]);
            await consumer.CommitAsync([new BusPosition("t", 0, 4)]);
        }
        await using var reopened = Open();
        Assert.Equal(1, await reopened.GetPartitionCountAsync("t"));
        await using var again = reopened.CreateConsumer("g", ["t"]);
        var rest = await ConsumeAtLeast(again, 6);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"v{i}"), rest.Select(m => Encoding.UTF8.GetString(m.Value)));
        var next = await reopened.CreateProducerAnd(p => p.ProduceAsync("t", [Message("k", "v10")]));
        Assert.Equal(10, Assert.Single(next).Offset);
    }

    protected override Task<IMessageBus> OpenAsync() => Task.FromResult<IMessageBus>(Open());

    protected override async Task<string> NewTopicAsync(IMessageBus bus, int partitions)
    {
        var topic = UniqueName.For("topic");
        await bus.CreateTopicAsync(topic, partitions);
        return topic;
    }

    protected override string NewGroup() => UniqueName.For("group");

    private EmbeddedMessageBus Open() => new(new EmbeddedBusOptions { Directory = directory });

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset now = now;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
