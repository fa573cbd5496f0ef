using System.Buffers.Binary;
using FeaturePlatform.Testing.Servers;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace FeaturePlatform.Testing.Tests.Servers;

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqServerTests(RabbitMqFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqServer server = fixture.Server;

    [Fact]
    public Task PublishesConfirmedPersistentMessagesAndConsumesThemInOrderWithManualAcks() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        output.WriteLine($"RabbitMQ {server.NodeName} on {server.ConnectionString}, first start took {server.InitialStartupTime.TotalSeconds:F2} s");
        const int count = 2000;
        var queue = await server.DeclareDurableQueueAsync("order");
        await using var connection = await server.ConnectAsync("order-test");
        await PublishAsync(connection, queue, 0, count, persistent: true);

        var received = await ConsumeAsync(connection, queue, count, ack: true);

        Assert.Equal(Enumerable.Range(0, count), received.Select(r => r.Id));
        Assert.DoesNotContain(received, r => r.Redelivered);
        Assert.Equal(0u, await MessageCountAsync(connection, queue));
    });

    [Fact]
    public Task RedeliversUnackedMessagesAfterTheConsumerChannelCloses() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        const int count = 50;
        var queue = await server.DeclareDurableQueueAsync("redeliver");
        await using var connection = await server.ConnectAsync("redeliver-test");
        await PublishAsync(connection, queue, 0, count, persistent: true);

        var first = await ConsumeAsync(connection, queue, count, ack: false); // closes its channel unacked
        var second = await ConsumeAsync(connection, queue, count, ack: true);

        Assert.Equal(Enumerable.Range(0, count), first.Select(r => r.Id));
        Assert.DoesNotContain(first, r => r.Redelivered);
        Assert.Equal(Enumerable.Range(0, count), second.Select(r => r.Id));
        Assert.All(second, r => Assert.True(r.Redelivered, $"message {r.Id} was not flagged redelivered"));
        Assert.Equal(0u, await MessageCountAsync(connection, queue));
    });

    [Fact]
    public Task RestartKeepsPersistentMessagesOfDurableQueuesOnTheSamePort() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        const int persistent = 100;
        var queue = await server.DeclareDurableQueueAsync("restart");
        await using (var connection = await server.ConnectAsync("restart-before"))
        {
            await PublishAsync(connection, queue, 0, persistent, persistent: true);
            await PublishAsync(connection, queue, persistent, 10, persistent: false); // transient: dropped by a restart
            Assert.Equal((uint)persistent + 10, await MessageCountAsync(connection, queue));
        }
        var pidBefore = server.Pid;
        var connectionString = server.ConnectionString;

        await server.RestartAsync();
        output.WriteLine($"restart: broker up again in {server.LastStartupTime.TotalSeconds:F2} s");

        Assert.NotEqual(pidBefore, server.Pid);
        Assert.Equal(connectionString, server.ConnectionString);
        await using var after = await server.ConnectAsync("restart-after");
        var received = await ConsumeAsync(after, queue, persistent, ack: true);
        Assert.Equal(Enumerable.Range(0, persistent), received.Select(r => r.Id));
        Assert.Equal(0u, await MessageCountAsync(after, queue));
    });

    [Fact]
    public Task ConfirmedPersistentMessagesSurviveAKilledBroker() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        const int count = 200;
        var queue = await server.DeclareDurableQueueAsync("crash");
        await using (var connection = await server.ConnectAsync("crash-before"))
        {
            await PublishAsync(connection, queue, 0, count, persistent: true); // each confirmed: on disk
        }
        // Confirms make the messages durable, but the queue's declaration sits in Mnesia's transaction log, which
        // Erlang's disk_log writes with a delayed-write buffer (up to ~2 s): a SIGKILL right after declaring can
        // lose the queue itself. Flush that log first, as an operator would before pulling the plug.
        var (syncExit, syncOutput) = await server.RabbitMqCtlAsync("eval", "mnesia:sync_log().");
        Assert.True(syncExit == 0, syncOutput);
        var pidBefore = server.Pid;

        await server.KillAsync();
        Assert.False(server.IsRunning);
        await server.StartAgainAsync();
        output.WriteLine($"start after kill: {server.LastStartupTime.TotalSeconds:F2} s");

        Assert.NotEqual(pidBefore, server.Pid);
        await using var after = await server.ConnectAsync("crash-after");
        var received = await ConsumeAsync(after, queue, count, ack: true);
        Assert.Equal(Enumerable.Range(0, count), received.Select(r => r.Id));
    });

    [Fact]
    public Task DurableExchangeRoutesToABoundQueue() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var exchange = await server.DeclareDurableExchangeAsync("events");
        var queue = await server.DeclareDurableQueueAsync("bound");
        await using var connection = await server.ConnectAsync("exchange-test");
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueBindAsync(queue, exchange, "orders.*");
        }
        await PublishAsync(connection, queue: null, 0, 5, persistent: true, exchange, "orders.created");
        await PublishAsync(connection, queue: null, 5, 5, persistent: true, exchange, "payments.created"); // unrouted

        var received = await ConsumeAsync(connection, queue, 5, ack: true);

        Assert.Equal(Enumerable.Range(0, 5), received.Select(r => r.Id));
        Assert.Equal(0u, await MessageCountAsync(connection, queue));
    });

    [Fact]
    public Task RabbitMqCtlReachesTheNodeThroughItsOwnEpmd() => ServerLog.OnFailureAsync(() => server.TailLog(), async () =>
    {
        var queue = await server.DeclareDurableQueueAsync("ctl");
        await using (var connection = await server.ConnectAsync("ctl-test"))
        {
            await PublishAsync(connection, queue, 0, 3, persistent: true);
        }

        var (exitCode, listing) = await server.RabbitMqCtlAsync("list_queues", "--quiet", "--no-table-headers", "name", "messages", "durable");

        Assert.True(exitCode == 0, $"rabbitmqctl exited {exitCode}: {listing}");
        Assert.Contains(listing.Split('\n', StringSplitOptions.TrimEntries), line => line == $"{queue}\t3\ttrue");
    });

    private static async Task PublishAsync(IConnection connection, string? queue, int first, int count, bool persistent, string exchange = "", string? routingKey = null)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
        await using var channel = await connection.CreateChannelAsync(options);
        var body = new byte[4];
        for (var i = first; i < first + count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(body, i);
            var properties = new BasicProperties { Persistent = persistent, MessageId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            // Completes when the broker confirms (persistent messages: after they are written to disk).
            await channel.BasicPublishAsync(exchange, routingKey ?? queue!, mandatory: false, properties, body);
        }
    }

    /// <summary>Consumes <paramref name="count"/> messages on a fresh channel, then closes it (unacked ones go back).</summary>
    private static async Task<List<(int Id, bool Redelivered)>> ConsumeAsync(IConnection connection, string queue, int count, bool ack)
    {
        var received = new List<(int Id, bool Redelivered)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, (ushort)Math.Min(count, 500), false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            lock (received)
            {
                received.Add((BinaryPrimitives.ReadInt32BigEndian(delivery.Body.Span), delivery.Redelivered));
            }
            if (ack)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            }
            lock (received)
            {
                if (received.Count >= count)
                {
                    done.TrySetResult();
                }
            }
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        try
        {
            await done.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            lock (received)
            {
                throw new TimeoutException($"received {received.Count} of {count} messages from {queue} within {Timeout}");
            }
        }
        await channel.BasicCancelAsync(tag);
        await channel.CloseAsync();
        lock (received)
        {
            return [.. received];
        }
    }

    private static async Task<uint> MessageCountAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return ok.MessageCount;
    }
}
