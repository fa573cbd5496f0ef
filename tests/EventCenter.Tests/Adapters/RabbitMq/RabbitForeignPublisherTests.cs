using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Testing.Servers;
using FeaturePlatform.EventCenter.Tests.Ingestion;
namespace FeaturePlatform.EventCenter.Tests.Adapters.RabbitMq;

/// <summary>
/// A foreign publisher (Python pika) → RabbitMQ → forwarder → bus → ingest worker → event center, built by the
/// production DI: per-entity order without a time field, messages that can never be delivered, health in an outage.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitForeignPublisherTests(RabbitMqFixture rabbit)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fifty_entities_with_three_ordered_states_and_no_time_field_end_in_their_last_state(bool withMessageIds)
    {
        var queue = await rabbit.Server.DeclareDurableQueueAsync("order");
        await using var host = await ForwardingHost.StartAsync(rabbit.Server, queue);
        await PikaPublisher.PublishAsync(rabbit.Server, queue, withMessageIds, "entities:50:3");

        await WaitAsync(async () => (await host.StoredAsync()).Count >= 150, "150 events are stored");
        await WaitAsync(async () => await QueueDepthAsync(rabbit.Server, queue) == 0, "the queue is drained");
        var wrong = new List<string>();
        for (var e = 0; e < 50; e++)
        {
            var key = $"e-{e}";
            var latest = await host.Events.GetLatestEventAsync(host.Source, key, long.MaxValue);
            var history = await host.Events.GetHistoryAsync(host.Source, key, 0, long.MaxValue).ToListAsync();
            var states = history.Select(State).ToList();
            if (latest is null || State(latest) != 3 || !states.SequenceEqual([1, 2, 3]))
            {
                wrong.Add($"{key}: latest {(latest is null ? "none" : State(latest))}, history [{string.Join(",", states)}]");
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of 50 entities are out of order: {string.Join("; ", wrong.Take(10))}");
        Assert.Equal(150, (await host.StoredAsync()).Count);
        Assert.Equal(0, host.Counters.DeadLettered);
    }

    [Fact]
    public async Task Messages_that_can_never_be_delivered_are_dead_lettered_the_queue_drains_and_health_follows_a_bus_outage()
    {
        var queue = await rabbit.Server.DeclareDurableQueueAsync("oversized");
        // The source takes up to 1.5 MiB; the embedded bus up to 1 MiB: one message too big for the bus, one for the source.
        await using var host = await ForwardingHost.StartAsync(rabbit.Server, queue, maxMessageBytes: 1536 * 1024);
        const int busTooBig = 1200 * 1024, sourceTooBig = 2048 * 1024;
        await PikaPublisher.PublishAsync(rabbit.Server, queue, false, "normal:0:30", $"big:{busTooBig}", "normal:30:30", $"big:{sourceTooBig}", "normal:60:30");

        await WaitAsync(async () => (await host.StoredAsync()).Count >= 90, "the 90 normal messages are stored");
        await WaitAsync(async () => await QueueDepthAsync(rabbit.Server, queue) == 0, "the queue is drained (nothing ready or unacknowledged)");
        var letters = await host.DeadLetters.RecentAsync(host.Source, 10).ToListAsync();
        Assert.Equal([busTooBig, sourceTooBig], letters.Select(l => l.Value.Length).Order());
        var bus = Assert.Single(letters, l => l.Value.Length == busTooBig);
        Assert.Contains("refused by the bus for good", bus.Reason, StringComparison.Ordinal);
        Assert.Contains(queue, bus.Reason, StringComparison.Ordinal);
        var source = Assert.Single(letters, l => l.Value.Length == sourceTooBig);
        Assert.Contains("exceeds the limit", source.Reason, StringComparison.Ordinal);
        Assert.All(letters, l => Assert.Equal(queue, l.Position.Stream));
        Assert.All(letters, l => Assert.Equal(queue, Encoding.UTF8.GetString(l.Key!)));
        Assert.All(letters, l => Assert.StartsWith("{\"entity\":\"big\"", Encoding.UTF8.GetString(l.Value), StringComparison.Ordinal));
        await AssertStoredOnceAsync(host, 90);
        Assert.Empty(host.Progress.Problems());

        // A bus outage: the forwarder cannot make progress → Degraded, naming the queue and the cause; back by itself.
        host.Bus.Down = true;
        await PikaPublisher.PublishAsync(rabbit.Server, queue, false, "normal:90:20");
        await WaitAsync(() => Task.FromResult(host.Progress.Problems().Count > 0), "health turns Degraded");
        var problem = Assert.Single(host.Progress.Problems());
        Assert.Contains($"queue '{queue}'", problem, StringComparison.Ordinal);
        Assert.Contains("forced outage", problem, StringComparison.Ordinal);
        Assert.Equal(20, await QueueDepthAsync(rabbit.Server, queue)); // held, not acknowledged, during the outage
        host.Bus.Down = false;
        await WaitAsync(() => Task.FromResult(host.Progress.Problems().Count == 0), "health is Healthy again");
        await WaitAsync(async () => (await host.StoredAsync()).Count >= 110, "the messages of the outage are stored");
        await WaitAsync(async () => await QueueDepthAsync(rabbit.Server, queue) == 0, "the queue is drained after the outage");
        await AssertStoredOnceAsync(host, 110);
    }

    private static async Task AssertStoredOnceAsync(ForwardingHost host, int count)
    {
        var stored = await host.StoredAsync();
        var seqs = stored.Select(e => JsonDocument.Parse(e.After!).RootElement.GetProperty("seq").GetInt32()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, count), seqs);
    }

    private static int State(ChangeEvent e) => JsonDocument.Parse(e.After!).RootElement.GetProperty("state").GetInt32();

    /// <summary>Ready plus unacknowledged messages, from <c>rabbitmqctl list_queues</c> (no management plugin needed).</summary>
    private static async Task<long> QueueDepthAsync(RabbitMqServer server, string queue)
    {
        var (exit, output) = await server.RabbitMqCtlAsync("list_queues", "--quiet", "--no-table-headers", "name", "messages");
        Assert.True(exit == 0, output);
        var line = output.Split('\n').Select(l => l.Split('\t')).Single(parts => parts[0].Trim() == queue);
        return long.Parse(line[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => IngestHarness.WaitUntilAsync(condition, what, TimeSpan.FromSeconds(90));
}
