using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Adapters.RabbitMq;
using FeaturePlatform.EventCenter.Tests.Ingestion;
using FeaturePlatform.Testing.Servers;
using RabbitMQ.Client;
namespace FeaturePlatform.EventCenter.Tests.Adapters.RabbitMq;

/// <summary>
/// What a RabbitMQ user's usual message properties become in the event center: message id, timestamp and typed
/// headers (numbers, booleans, tables, arrays and the broker's own <c>x-death</c> after a dead-letter hop), and
/// malformed bodies dead-lettered with their reason and original bytes.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitAmqpPropertiesTests(RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Typed_AMQP_headers_and_the_brokers_x_death_arrive_as_readable_values_never_as_type_names()
    {
        var queue = await rabbit.Server.DeclareDurableQueueAsync("props");
        // The usual retry topology: a message expires in a wait queue and the broker dead-letters it into the
        // forwarded queue, adding x-death (an array of tables).
        var wait = await rabbit.Server.DeclareDurableQueueAsync("props-wait", new Dictionary<string, object?>
        {
            ["x-message-ttl"] = 1,
            ["x-dead-letter-exchange"] = "",
            ["x-dead-letter-routing-key"] = queue,
        });
        await using var host = await ForwardingHost.StartAsync(rabbit.Server, queue);
        await using (var connection = await rabbit.Server.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                MessageId = "typed-1",
                CorrelationId = "corr-1",
                ReplyTo = "replies",
                Persistent = true,
                Timestamp = new AmqpTimestamp(1_767_225_600),
                Headers = new Dictionary<string, object?>
                {
                    ["tenant"] = "acme",
                    ["attempt"] = 3,
                    ["urgent"] = true,
                    ["meta"] = new Dictionary<string, object?> { ["region"] = "eu", ["shard"] = 2 },
                    ["tags"] = new List<object?> { "a", "b" },
                    ["ratio"] = 0.25,
                },
            };
            await channel.BasicPublishAsync("", wait, mandatory: true, properties, """{"entity":"e-1","v":1}"""u8.ToArray());
        }

        await IngestHarness.WaitUntilAsync(async () => (await host.StoredAsync()).Count == 1, "the message is stored", TimeSpan.FromSeconds(60));
        var stored = Assert.Single(await host.StoredAsync());
        Assert.Equal(("typed-1", "e-1", 1_767_225_600_000L), (stored.EventId, stored.EntityKey, stored.EventTime));
        var headers = stored.Headers;
        Assert.All(headers, h => Assert.DoesNotContain("System.", h.Value, StringComparison.Ordinal));
        Assert.Equal(("acme", "3", "true"), (headers["tenant"], headers["attempt"], headers["urgent"]));
        Assert.Equal("""{"region":"eu","shard":2}""", headers["meta"]);
        Assert.Equal("""["a","b"]""", headers["tags"]);
        Assert.Equal("0.25", headers["ratio"]);
        var death = JsonDocument.Parse(headers["x-death"]).RootElement[0];
        Assert.Equal((wait, "expired", 1L), (death.GetProperty("queue").GetString(), death.GetProperty("reason").GetString(), death.GetProperty("count").GetInt64()));
        Assert.Equal(wait, headers["x-first-death-queue"]);
    }

    [Fact]
    public void Values_JSON_cannot_hold_are_forwarded_as_strings_instead_of_failing_the_batch()
    {
        // RabbitMQ's own broker refuses a NaN header, but other AMQP 0-9-1 publishers and brokers may send one.
        var table = new Dictionary<string, object?> { ["nan"] = double.NaN, ["inf"] = float.PositiveInfinity, ["raw"] = new BinaryTableValue([1, 2]) };
        Assert.Equal("""{"nan":"NaN","inf":"Infinity","raw":"AQI="}""", Encoding.UTF8.GetString(AmqpHeaderValues.Bytes(table)));
    }

    [Fact]
    public async Task Malformed_bodies_are_dead_lettered_with_reason_and_original_bytes_and_the_queue_drains()
    {
        var queue = await rabbit.Server.DeclareDurableQueueAsync("malformed");
        await using var host = await ForwardingHost.StartAsync(rabbit.Server, queue);
        string[] bad = ["""{"entity":"e-1","v":""", "", "null", """[{"entity":"e-1"}]""", """{"v":1}""", """{"entity":{"nested":1}}"""];
        await using (var connection = await rabbit.Server.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            for (var i = 0; i < bad.Length; i++)
            {
                var properties = new BasicProperties { ContentType = "application/json", MessageId = $"bad-{i}", Persistent = true };
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(bad[i]));
            }
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { MessageId = "good", Persistent = true }, """{"entity":"e-1","v":1}"""u8.ToArray());
        }

        await IngestHarness.WaitUntilAsync(async () => (await host.StoredAsync()).Count == 1 && host.Counters.DeadLettered >= bad.Length, "the good message is stored and the bad ones dead-lettered", TimeSpan.FromSeconds(60));
        var letters = await host.DeadLetters.RecentAsync(host.Source, 20).ToListAsync();
        Assert.Equal(bad.Order(StringComparer.Ordinal), letters.Select(l => Encoding.UTF8.GetString(l.Value)).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.Contains("empty message body", letters.Single(l => l.Value.Length == 0).Reason, StringComparison.Ordinal);
        Assert.Equal("good", Assert.Single(await host.StoredAsync()).EventId);
    }
}
