using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using FeaturePlatform.EventCenter.Adapters.RabbitMq;
using FeaturePlatform.EventCenter.Tests.Ingestion;
namespace FeaturePlatform.EventCenter.Tests.Adapters.RabbitMq;

/// <summary>RabbitMQ queue → bus → event center against a real RabbitMQ node, including its restart and forwarder crashes.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitForwarderTests(RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Every_published_message_is_stored_once_and_acknowledged_only_after_the_bus_has_it()
    {
        var queue = await rabbit.Server.DeclareDurableQueueAsync("fwd");
        await using var harness = await StartHarnessAsync(queue, new Uri(rabbit.Server.ConnectionString));
        await PublishAsync(rabbit.Server, queue, 0, 200);
        var forwarder = new RabbitForwarder(Options(rabbit.Server, queue), harness.Bus, harness.DeadLetters, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await IngestHarness.WaitUntilAsync(async () => await StoredAsync(harness) == 200, "200 events are stored", TimeSpan.FromSeconds(60));
        await IngestHarness.WaitUntilAsync(async () => await MessageCountAsync(rabbit.Server, queue) == 0, "the queue is drained (all acknowledged)");
        await stop.CancelAsync();
        await run;
        Assert.Equal(200, forwarder.Forwarded);
        var e = await harness.Events.GetByIdAsync("payments", "m-17");
        Assert.Equal(("user-7", 1_767_225_617_000L), (e!.EntityKey, e.EventTime));
    }

    [Fact]
    public async Task A_forwarder_crash_between_bus_and_ack_and_a_RabbitMQ_restart_lose_and_duplicate_nothing()
    {
        // Its own node: this test restarts it.
        await using var server = await RabbitMqServer.StartAsync();
        var queue = await server.DeclareDurableQueueAsync("fwd-restart");
        await using var harness = await StartHarnessAsync(queue, new Uri(server.ConnectionString));
        await PublishAsync(server, queue, 0, 150);

        // First run: every batch reaches the bus but the acknowledgement never happens (the process "dies"); the
        // forwarder sends its batch again after each failure, so the bus gets copies of the first messages.
        var crashingBus = new AckNeverHappensBus(harness.Bus);
        using (var stop = new CancellationTokenSource())
        {
            // No back-off growth: the first batch may hold a single message, re-sent on every attempt.
            var steady = Options(server, queue) with { MaxReconnectDelay = TimeSpan.FromMilliseconds(200) };
            var crashing = new RabbitForwarder(steady, crashingBus, harness.DeadLetters, NullLogger.Instance);
            var run = crashing.RunAsync(stop.Token);
            await IngestHarness.WaitUntilAsync(() => Task.FromResult(crashingBus.Produced >= 150), "the crashing forwarder pushed everything to the bus");
            await stop.CancelAsync();
            await run;
        }
        Assert.Equal(150u, await MessageCountAsync(server, queue));

        var forwarder = new RabbitForwarder(Options(server, queue), harness.Bus, harness.DeadLetters, NullLogger.Instance);
        using var stopReal = new CancellationTokenSource();
        var realRun = forwarder.RunAsync(stopReal.Token);
        await IngestHarness.WaitUntilAsync(async () => await MessageCountAsync(server, queue) == 0, "the re-delivered messages are acknowledged");

        await server.RestartAsync();
        await PublishAsync(server, queue, 150, 100);
        await IngestHarness.WaitUntilAsync(async () => await StoredAsync(harness) >= 250, "all 250 events are stored", TimeSpan.FromSeconds(90));
        await IngestHarness.WaitUntilAsync(async () => await MessageCountAsync(server, queue) == 0, "the queue is drained after the restart", TimeSpan.FromSeconds(60));
        await stopReal.CancelAsync();
        await realRun;

        // Every copy on the bus (the crashed run's and the real run's) is consumed before the counters are read.
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= crashingBus.Produced + 250), "every copy on the bus is consumed");
        var stored = await harness.Events.ReplayAsync("payments", 0, long.MaxValue).ToListAsync();
        Assert.Equal(250, stored.Count);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"m-{i}").Order(), stored.Select(e => e.EventId).Order());
        Assert.True(forwarder.Reconnects >= 1, "the forwarder should have reconnected after the restart");
        Assert.True(harness.Counters.Duplicates >= crashingBus.Produced, $"every copy pushed by the crashed run should be a duplicate: {harness.Counters.Duplicates} duplicates, {crashingBus.Produced} copies, {harness.Counters.Conflicts} conflicts");
        Assert.Equal(0, harness.Counters.Conflicts);
    }

    private static async Task<IngestHarness> StartHarnessAsync(string queue, Uri broker)
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("fwd-bus")) });
        await bus.CreateTopicAsync(queue, 2);
        var harness = await IngestHarness.StartAsync(bus, [Source(queue)], rabbitMqUri: broker);
        harness.StartWorker();
        return harness;
    }

    private static SourceDefinition Source(string queue) =>
        new() { Name = "payments", Format = SourceFormat.Json, Topics = [queue], KeyFields = ["user"], RabbitQueue = queue };

    private static RabbitForwarderOptions Options(RabbitMqServer server, string queue) => new()
    {
        Uri = new Uri(server.ConnectionString),
        Queue = queue,
        Topic = queue,
        Source = Source(queue),
        Prefetch = 50,
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
    };

    private static async Task PublishAsync(RabbitMqServer server, string queue, int from, int count)
    {
        await using var connection = await server.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        for (var i = from; i < from + count; i++)
        {
            var properties = new BasicProperties
            {
                MessageId = $"m-{i}",
                Persistent = true,
                Timestamp = new AmqpTimestamp(1_767_225_600 + i),
            };
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes($$"""{"user":"user-{{i % 10}}","amount":{{i}}}"""));
        }
    }

    private static async Task<uint> MessageCountAsync(RabbitMqServer server, string queue)
    {
        await using var connection = await server.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var declared = await channel.QueueDeclarePassiveAsync(queue);
        return declared.MessageCount;
    }

    private static async Task<int> StoredAsync(IngestHarness harness) =>
        await harness.Events.ReplayAsync("payments", 0, long.MaxValue).CountAsync();

    /// <summary>A bus whose produce succeeds and then fails, as a forwarder dying right after the bus confirmed would.</summary>
    private sealed class AckNeverHappensBus(IMessageBus inner) : IMessageBus
    {
        private long produced;

        public long Produced => Interlocked.Read(ref produced);

        public ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(topic, partitions, cancellationToken);

        public ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default) => inner.GetPartitionCountAsync(topic, cancellationToken);

        public ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default) => inner.GetEndOffsetsAsync(topic, cancellationToken);

        public IBusProducer CreateProducer() => new Producer(inner.CreateProducer(), this);

        public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics) => inner.CreateConsumer(groupId, topics);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Producer(IBusProducer inner, AckNeverHappensBus owner) : IBusProducer
        {
            public async ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
            {
                await inner.ProduceAsync(topic, messages, cancellationToken);
                Interlocked.Add(ref owner.produced, messages.Count);
                throw new IOException("died after the bus confirmed, before acknowledging RabbitMQ");
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
