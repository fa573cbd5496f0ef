using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Servers;
using RabbitMQ.Client;
using FeaturePlatform.Runtime.Adapters.RabbitMq;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>The RabbitMQ output against a real broker.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqOutputTests(RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Every_result_arrives_confirmed_persistent_with_its_result_id_and_routing_key()
    {
        var server = rabbit.Server;
        var (exchange, all) = await DeclareAsync(server);
        var job = UniqueName.For("job").Replace('-', '_');
        var onlyU1 = await BindQueueAsync(server, exchange, job + ".u1");
        var results = OutputTestData.Many(job, 500, keys: 10);
        await using (var output = new RabbitMqOutput(Options(server, exchange)))
        {
            Assert.Equal("rabbitmq:" + exchange, output.Name);
            await output.WriteAsync(results.Take(1).ToList(), CancellationToken.None);
            await output.WriteAsync(results.Skip(1).Take(299).ToList(), CancellationToken.None);
            await output.WriteAsync(results.Skip(300).ToList(), CancellationToken.None);
            Assert.Equal(500, output.Published);
            Assert.Equal(0, output.Reconnects);
        }

        // Confirmed means queued: everything is there as soon as the writes returned.
        var messages = await DrainAsync(server, all);
        Assert.Equal(results.Select(r => r.ResultId), messages.Select(m => m.BasicProperties.MessageId)); // one channel, in order
        var byId = results.ToDictionary(r => r.ResultId);
        foreach (var m in messages)
        {
            var r = byId[m.BasicProperties.MessageId!];
            Assert.Equal(DeliveryModes.Persistent, m.BasicProperties.DeliveryMode);
            Assert.Equal("application/json", m.BasicProperties.ContentType);
            Assert.Equal(r.EventTime / 1000, m.BasicProperties.Timestamp.UnixTime);
            Assert.Equal(r.ResultId, Encoding.UTF8.GetString((byte[])m.BasicProperties.Headers![RabbitMqOutput.ResultIdHeader]!));
            Assert.Equal($"{job}.{r.Key}", m.RoutingKey);
            var root = JsonDocument.Parse(m.Body).RootElement;
            Assert.Equal(r.ResultId, root.GetProperty("result_id").GetString());
            Assert.Equal(r.Key, root.GetProperty("key").GetString());
            Assert.Equal((long)r.Values[0].Value!, root.GetProperty("values").GetProperty("n").GetInt64());
        }
        var u1 = await DrainAsync(server, onlyU1);
        Assert.Equal(results.Where(r => r.Key == "u1").Select(r => r.ResultId), u1.Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task The_routing_key_template_is_applied_and_long_keys_are_cut_to_255_bytes()
    {
        var server = rabbit.Server;
        var (exchange, all) = await DeclareAsync(server);
        var longKey = string.Concat(Enumerable.Repeat("é", 200)); // 400 bytes
        FeatureResult[] results = [OutputTestData.Result("j", "k1", 1000, "a", ("x", 1L)), OutputTestData.Result("j", longKey, 2000, "b", ("x", 2L))];
        await using (var output = new RabbitMqOutput(Options(server, exchange) with { RoutingKey = "r.{source}.{version}.{{{key}}}" }))
        {
            await output.WriteAsync(results, CancellationToken.None);
            // "r.orders.v3.{" is 13 bytes, then 2-byte chars: 13 + 2 × 121 = 255; the closing brace is cut off.
            Assert.Equal("r.orders.v3.{" + string.Concat(Enumerable.Repeat("é", 121)), output.RoutingKeyOf(results[1]));
        }
        var messages = await DrainAsync(server, all);
        Assert.Equal("r.orders.v3.{k1}", messages[0].RoutingKey);
        Assert.StartsWith("r.orders.v3.{éé", messages[1].RoutingKey, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(messages[1].RoutingKey) <= 255);
    }

    [Fact]
    public async Task A_missing_exchange_fails_at_once_instead_of_retrying()
    {
        var server = rabbit.Server;
        await using var output = new RabbitMqOutput(Options(server, UniqueName.For("absent")) with { RetryTimeout = TimeSpan.FromMinutes(5) });
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await output.WriteAsync(OutputTestData.Many("j", 3), CancellationToken.None));
        Assert.IsNotType<TimeoutException>(e);
        Assert.Contains("404", e.ToString(), StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_mandatory_result_no_queue_receives_fails_the_write()
    {
        var server = rabbit.Server;
        var exchange = await server.DeclareDurableExchangeAsync("unbound");
        await using var output = new RabbitMqOutput(Options(server, exchange) with { Mandatory = true });
        await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.PublishException>(async () => await output.WriteAsync(OutputTestData.Many("j", 2), CancellationToken.None));
    }

    [Fact]
    public void Options_are_validated()
    {
        var uri = new Uri("amqp://guest:guest@127.0.0.1:5672/");
        var valid = new RabbitMqOutputOptions { Uri = uri, Exchange = "x" };
        valid.Validate();
        (valid with { Exchange = "" }).Validate(); // the default exchange
        Assert.Throws<ArgumentException>(() => (valid with { Uri = new Uri("http://127.0.0.1/") }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { Exchange = null! }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { Exchange = new string('x', 256) }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RoutingKey = "" }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RoutingKey = "{job}.{entity}" }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RoutingKey = "{job" }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RoutingKey = "job}" }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RetryBaseDelay = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { RetryMaxDelay = TimeSpan.FromMilliseconds(1) }).Validate());
        Assert.Throws<ArgumentException>(() => (valid with { ConfirmTimeout = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentException>(() => new RabbitMqOutput(valid with { RoutingKey = "{nope}" }));
    }

    internal static RabbitMqOutputOptions Options(RabbitMqServer server, string exchange) => new()
    {
        Uri = new Uri(server.ConnectionString),
        Exchange = exchange,
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>A durable topic exchange and a durable queue bound to everything on it.</summary>
    internal static async Task<(string Exchange, string Queue)> DeclareAsync(RabbitMqServer server)
    {
        var exchange = await server.DeclareDurableExchangeAsync("results");
        return (exchange, await BindQueueAsync(server, exchange, "#"));
    }

    internal static async Task<string> BindQueueAsync(RabbitMqServer server, string exchange, string bindingKey)
    {
        var queue = await server.DeclareDurableQueueAsync("results");
        await using var connection = await server.ConnectAsync("test-bind");
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueBindAsync(queue, exchange, bindingKey);
        return queue;
    }

    /// <summary>Every message in the queue, in order (auto-ack).</summary>
    internal static async Task<List<BasicGetResult>> DrainAsync(RabbitMqServer server, string queue)
    {
        await using var connection = await server.ConnectAsync("test-drain");
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } m)
        {
            messages.Add(m);
        }
        return messages;
    }
}
