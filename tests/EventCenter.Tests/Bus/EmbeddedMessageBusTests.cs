using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Bus.Embedded;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Bus;

public sealed class EmbeddedMessageBusTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
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
    public async Task Messages_are_consumed_in_offset_order_per_partition_with_keys_sticking_to_partitions()
    {
        await using var bus = Open();
        await bus.CreateTopicAsync("orders", 4);
        var producer = bus.CreateProducer();
        var sent = Enumerable.Range(0, 400).Select(i => Message($"user-{i % 13}", $"m{i}")).ToList();
        var positions = await producer.ProduceAsync("orders", sent);

        await using var consumer = bus.CreateConsumer("g1", ["orders"]);
        var received = await ConsumeAtLeast(consumer, 400);

        Assert.Equal(400, received.Count);
        foreach (var partition in received.GroupBy(m => m.Partition))
        {
            var offsets = partition.Select(m => m.Offset).ToList();
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }
        foreach (var byKey in received.GroupBy(m => Encoding.UTF8.GetString(m.Key!)))
        {
            Assert.Single(byKey.Select(m => m.Partition).Distinct());
        }
        var byValue = received.ToDictionary(m => Encoding.UTF8.GetString(m.Value));
        for (var i = 0; i < sent.Count; i++)
        {
            var m = byValue[$"m{i}"];
            Assert.Equal((positions[i].Partition, positions[i].Offset), (m.Partition, m.Offset));
        }
    }

    [Fact]
    public async Task Committed_positions_survive_a_consumer_restart_and_a_bus_reopen()
    {
        List<BusPosition> commits;
        await using (var bus = Open())
        {
            await bus.CreateTopicAsync("t", 2);
            await bus.CreateProducer().ProduceAsync("t", Enumerable.Range(0, 100).Select(i => Message($"k{i}", $"v{i}")).ToList());
            await using var first = bus.CreateConsumer("g", ["t"]);
            var batch = await ConsumeAtLeast(first, 100);
            // Commit only the first half of each partition.
            commits = batch.GroupBy(m => m.Partition).Select(g => g.OrderBy(m => m.Offset).ElementAt(g.Count() / 2 - 1).Next).ToList();
            await first.CommitAsync(commits);
        }

        await using var reopened = Open();
        await using var second = reopened.CreateConsumer("g", ["t"]);
        var redelivered = await ConsumeAtLeast(second, 100);
        Assert.Equal(100 - commits.Sum(c => c.Offset), redelivered.Count);
        Assert.All(redelivered, m => Assert.True(
            m.Offset >= commits.Single(c => c.Partition == m.Partition).Offset, $"offset {m.Offset} of partition {m.Partition} was committed already"));
        Assert.Empty(await second.ConsumeAsync(10, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task A_waiting_consumer_wakes_up_when_a_message_is_produced()
    {
        await using var bus = Open();
        await bus.CreateTopicAsync("wake", 1);
        await using var consumer = bus.CreateConsumer("g", ["wake"]);
        var waiting = consumer.ConsumeAsync(10, TimeSpan.FromSeconds(30)).AsTask();
        Assert.False(waiting.IsCompleted);
        await bus.CreateProducer().ProduceAsync("wake", [Message("k", "hello")]);
        var received = await waiting.WaitAsync(Wait);
        Assert.Equal("hello", Encoding.UTF8.GetString(Assert.Single(received).Value));
    }

    [Fact]
    public async Task Group_members_share_partitions_and_a_leaving_member_hands_over_without_loss()
    {
        await using var bus = Open();
        await bus.CreateTopicAsync("shared", 6);
        await bus.CreateProducer().ProduceAsync("shared", Enumerable.Range(0, 600).Select(i => Message($"k{i}", $"v{i}")).ToList());

        var a = bus.CreateConsumer("grp", ["shared"]);
        await using var b = bus.CreateConsumer("grp", ["shared"]);
        var fromA = await a.ConsumeAsync(1000, Wait);
        var fromB = await b.ConsumeAsync(1000, Wait);
        Assert.NotEmpty(fromA);
        Assert.NotEmpty(fromB);
        Assert.Empty(fromA.Select(m => m.Partition).Intersect(fromB.Select(m => m.Partition)));

        // a processed its messages but dies before committing: b takes over its partitions from the committed position.
        await b.CommitAsync(LastPositions(fromB));
        await a.DisposeAsync();
        var takenOver = await ConsumeAtLeast(b, fromA.Count);
        var seen = fromB.Concat(takenOver).Select(m => Encoding.UTF8.GetString(m.Value)).ToHashSet();
        Assert.Equal(600, seen.Count);
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
        var big = await Assert.ThrowsAsync<ArgumentException>(async () => await producer.ProduceAsync("ok", [new OutgoingMessage(null, new byte[2048])]));
        Assert.Contains("2048", big.Message, StringComparison.Ordinal);
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
    public async Task Headers_and_null_keys_round_trip()
    {
        await using var bus = Open();
        await bus.CreateTopicAsync("h", 3);
        var headers = new List<KeyValuePair<string, byte[]>> { new("trace-id", [1, 2, 3]), new("ünïcode", []) };
        await bus.CreateProducer().ProduceAsync("h", [new OutgoingMessage(null, [9], headers)]);
        await using var consumer = bus.CreateConsumer("g", ["h"]);
        var m = Assert.Single(await ConsumeAtLeast(consumer, 1));
        Assert.Null(m.Key);
        Assert.Equal(headers.Select(h => (h.Key, Convert.ToHexString(h.Value))), m.Headers.Select(h => (h.Key, Convert.ToHexString(h.Value))));
    }

    private EmbeddedMessageBus Open() => new(new EmbeddedBusOptions { Directory = directory });

    private static OutgoingMessage Message(string key, string value) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    private static List<BusPosition> LastPositions(IEnumerable<BusMessage> messages) =>
        messages.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();

    private static async Task<List<BusMessage>> ConsumeAtLeast(IBusConsumer consumer, int count)
    {
        var all = new List<BusMessage>();
        var deadline = DateTime.UtcNow + Wait;
        while (all.Count < count && DateTime.UtcNow < deadline)
        {
            all.AddRange(await consumer.ConsumeAsync(count - all.Count, TimeSpan.FromMilliseconds(200)));
        }
        return all;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset now = now;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
