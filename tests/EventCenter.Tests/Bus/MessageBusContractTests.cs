using System.Text;
using FeaturePlatform.EventCenter.Bus;
namespace FeaturePlatform.EventCenter.Tests.Bus;

/// <summary>Behaviour every <see cref="IMessageBus"/> keeps; each backend derives a test class from this.</summary>
public abstract class MessageBusContractTests
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    /// <summary>The bus under test (shared by the test class or opened per test; disposed by the caller).</summary>
    protected abstract Task<IMessageBus> OpenAsync();

    /// <summary>Creates a uniquely named topic with this many partitions.</summary>
    protected abstract Task<string> NewTopicAsync(IMessageBus bus, int partitions);

    protected abstract string NewGroup();

    [Fact]
    public async Task An_existing_topic_is_taken_with_its_partition_count()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 1);
        await bus.CreateTopicAsync(topic, 8);
        Assert.Equal(1, await bus.GetPartitionCountAsync(topic));
    }

    [Fact]
    public async Task Messages_arrive_in_offset_order_per_partition_and_keys_stick_to_partitions()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 4);
        var sent = Enumerable.Range(0, 400).Select(i => Message($"user-{i % 13}", $"m{i}")).ToList();
        var positions = await bus.CreateProducerAnd(p => p.ProduceAsync(topic, sent));

        await using var consumer = bus.CreateConsumer(NewGroup(), [topic]);
        var received = await ConsumeAtLeast(consumer, 400);

        Assert.Equal(400, received.Count);
        foreach (var partition in received.GroupBy(m => m.Partition))
        {
            var offsets = partition.Select(m => m.Offset).ToList();
            Assert.Equal(offsets.Order(), offsets);
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
    public async Task A_restarted_member_resumes_after_the_committed_positions()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 2);
        var group = NewGroup();
        await bus.CreateProducerAnd(p => p.ProduceAsync(topic, Enumerable.Range(0, 100).Select(i => Message($"k{i}", $"v{i}")).ToList()));
        List<BusPosition> commits;
        await using (var first = bus.CreateConsumer(group, [topic]))
        {
            var batch = await ConsumeAtLeast(first, 100);
            commits = batch.GroupBy(m => m.Partition).Select(g => g.OrderBy(m => m.Offset).ElementAt(g.Count() / 2).Next).ToList();
            await first.CommitAsync(commits);
        }

        await using var second = bus.CreateConsumer(group, [topic]);
        var expected = 100 - commits.Sum(c => c.Offset); // fresh topics start at offset 0
        var redelivered = await ConsumeAtLeast(second, (int)expected);
        Assert.Equal(expected, redelivered.Count);
        Assert.All(redelivered, m => Assert.True(
            m.Offset >= commits.Single(c => c.Partition == m.Partition).Offset, $"offset {m.Offset} of partition {m.Partition} was committed already"));
        Assert.Empty(await second.ConsumeAsync(10, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task A_waiting_consumer_wakes_when_a_message_is_produced()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 1);
        await using var consumer = bus.CreateConsumer(NewGroup(), [topic]);
        var waiting = consumer.ConsumeAsync(10, Wait).AsTask();
        await bus.CreateProducerAnd(p => p.ProduceAsync(topic, [Message("k", "hello")]));
        var received = await waiting.WaitAsync(Wait);
        Assert.Equal("hello", Encoding.UTF8.GetString(Assert.Single(received).Value));
    }

    [Fact]
    public async Task When_a_member_leaves_without_committing_another_member_gets_its_messages_again()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 6);
        var group = NewGroup();
        await bus.CreateProducerAnd(p => p.ProduceAsync(topic, Enumerable.Range(0, 600).Select(i => Message($"k{i}", $"v{i}")).ToList()));

        var a = bus.CreateConsumer(group, [topic]);
        await using var b = bus.CreateConsumer(group, [topic]);
        var seenByA = new List<BusMessage>();
        var seenByB = new List<BusMessage>();
        var deadline = DateTime.UtcNow + Wait;
        while (seenByA.Concat(seenByB).Select(m => m.Value).Distinct(ByteArrayComparer.Instance).Count() < 600 && DateTime.UtcNow < deadline)
        {
            var fromA = a.ConsumeAsync(100, TimeSpan.FromMilliseconds(200)).AsTask();
            var fromB = b.ConsumeAsync(100, TimeSpan.FromMilliseconds(200)).AsTask();
            seenByA.AddRange(await fromA);
            seenByB.AddRange(await fromB);
        }
        Assert.Equal(600, seenByA.Concat(seenByB).Select(m => m.Value).Distinct(ByteArrayComparer.Instance).Count());
        await b.CommitAsync(Last(seenByB));

        // a processed messages but leaves before committing them: b must see them again (at-least-once).
        await a.DisposeAsync();
        var owedToB = seenByA.Select(m => Encoding.UTF8.GetString(m.Value)).ToHashSet();
        var again = new HashSet<string>();
        deadline = DateTime.UtcNow + Wait;
        while (!owedToB.IsSubsetOf(again) && DateTime.UtcNow < deadline)
        {
            again.UnionWith((await b.ConsumeAsync(1000, TimeSpan.FromMilliseconds(300))).Select(m => Encoding.UTF8.GetString(m.Value)));
        }
        Assert.Subset(again, owedToB);
    }

    [Fact]
    public async Task A_message_naming_a_partition_goes_to_it_whatever_its_key()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 4);
        // One key for all: by key they would all share a partition.
        var positions = await bus.CreateProducerAnd(p => p.ProduceAsync(topic,
            [.. Enumerable.Range(0, 8).Select(i => Message("same", $"v{i}") with { Partition = i % 4 })]));
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], positions.Select(p => p.Partition));
        Assert.Equal([2L, 2, 2, 2], await bus.GetEndOffsetsAsync(topic));
    }

    [Fact]
    public async Task Headers_and_null_keys_round_trip()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 3);
        var headers = new List<KeyValuePair<string, byte[]>> { new("trace-id", [1, 2, 3]), new("ünïcode", [0]) };
        await bus.CreateProducerAnd(p => p.ProduceAsync(topic, [new OutgoingMessage(null, [9], headers)]));
        await using var consumer = bus.CreateConsumer(NewGroup(), [topic]);
        var m = Assert.Single(await ConsumeAtLeast(consumer, 1));
        Assert.Null(m.Key);
        Assert.Equal(headers.Select(h => (h.Key, Convert.ToHexString(h.Value))), m.Headers.Select(h => (h.Key, Convert.ToHexString(h.Value))));
    }

    [Fact]
    public async Task A_message_too_large_for_the_bus_is_refused_for_good_and_the_others_are_delivered_or_retryable()
    {
        await using var bus = await OpenAsync();
        var topic = await NewTopicAsync(bus, 2);
        await using var producer = bus.CreateProducer();
        OutgoingMessage[] messages = [Message("a", "small-1"), new(null, new byte[2 * 1024 * 1024]), Message("b", "small-2")];
        var error = await Assert.ThrowsAsync<BusProduceException>(async () => await producer.ProduceAsync(topic, messages));
        Assert.Equal(3, error.Outcomes.Count);
        Assert.True(error.Outcomes[1].IsRefused, error.Message);
        Assert.All(new[] { error.Outcomes[0], error.Outcomes[2] }, o => Assert.False(o.IsRefused));
        // What was not delivered can be sent again; nothing is delivered twice.
        var retry = messages.Where((_, i) => i != 1 && !error.Outcomes[i].IsDelivered).ToList();
        if (retry.Count > 0)
        {
            await producer.ProduceAsync(topic, retry);
        }
        await using var consumer = bus.CreateConsumer(NewGroup(), [topic]);
        var got = await ConsumeAtLeast(consumer, 2);
        Assert.Equal(["small-1", "small-2"], got.Select(m => Encoding.UTF8.GetString(m.Value)).Order(StringComparer.Ordinal));
    }

    protected static OutgoingMessage Message(string key, string value) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    protected static async Task<List<BusMessage>> ConsumeAtLeast(IBusConsumer consumer, int count)
    {
        var all = new List<BusMessage>();
        var deadline = DateTime.UtcNow + Wait;
        while (all.Count < count && DateTime.UtcNow < deadline)
        {
            all.AddRange(await consumer.ConsumeAsync(count - all.Count, TimeSpan.FromMilliseconds(500)));
        }
        return all;
    }

    private static List<BusPosition> Last(IEnumerable<BusMessage> messages) =>
        messages.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Convert.ToHexString(obj).GetHashCode(StringComparison.Ordinal);
    }
}

internal static class BusTestExtensions
{
    public static async Task<IReadOnlyList<BusPosition>> CreateProducerAnd(this IMessageBus bus, Func<IBusProducer, ValueTask<IReadOnlyList<BusPosition>>> action)
    {
        await using var producer = bus.CreateProducer();
        return await action(producer);
    }
}
