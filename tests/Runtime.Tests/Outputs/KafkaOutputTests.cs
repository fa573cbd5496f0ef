using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>The Kafka output against the Kafka mock cluster (and the embedded bus).</summary>
[Collection(RuntimeCollection.Name)]
public sealed class KafkaOutputTests(KafkaFixture kafka)
{
    private IMessageBus NewBus() => new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });

    [Fact]
    public async Task Results_arrive_as_keyed_JSON_messages_with_the_result_id_header()
    {
        var topic = kafka.CreateTopic(8, "results");
        var job = UniqueName.For("job");
        var results = OutputTestData.Many(job, 300, keys: 25);
        await using (var bus = NewBus())
        await using (var output = new KafkaOutput(bus, topic))
        {
            Assert.Equal("kafka:" + topic, output.Name);
            await output.WriteAsync(results.Take(100).ToList(), CancellationToken.None);
            await output.WriteAsync(results.Skip(100).ToList(), CancellationToken.None);
        }

        var messages = Consume(topic, results.Count);
        var byId = results.ToDictionary(r => r.ResultId);
        var seen = new HashSet<string>();
        foreach (var m in messages)
        {
            var id = Encoding.UTF8.GetString(Assert.Single(m.Message.Headers, h => h.Key == KafkaOutput.ResultIdHeader).GetValueBytes());
            Assert.True(seen.Add(id), $"duplicate {id}");
            var expected = byId[id];
            Assert.Equal(expected.Key, Encoding.UTF8.GetString(m.Message.Key));
            using var doc = JsonDocument.Parse(m.Message.Value);
            var root = doc.RootElement;
            Assert.Equal(["job", "job_version", "result_id", "source", "key", "event_id", "event_time", "row_index", "values"], root.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Equal(job, root.GetProperty("job").GetString());
            Assert.Equal("v3", root.GetProperty("job_version").GetString());
            Assert.Equal(id, root.GetProperty("result_id").GetString());
            Assert.Equal("orders", root.GetProperty("source").GetString());
            Assert.Equal(expected.Key, root.GetProperty("key").GetString());
            Assert.Equal(expected.Trigger.EventId, root.GetProperty("event_id").GetString());
            Assert.Equal(expected.EventTime, root.GetProperty("event_time").GetInt64());
            Assert.Equal(0, root.GetProperty("row_index").GetInt32());
            var values = root.GetProperty("values");
            Assert.Equal((long)expected.Values[0].Value!, values.GetProperty("n").GetInt64());
            Assert.Equal((double)expected.Values[1].Value!, values.GetProperty("total").GetDouble());
            Assert.Equal((bool)expected.Values[2].Value!, values.GetProperty("flag").GetBoolean());
            var label = values.GetProperty("label");
            Assert.Equal((string?)expected.Values[3].Value, label.ValueKind == JsonValueKind.Null ? null : label.GetString());
        }
        Assert.Equal(byId.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        // Keyed partitioning: every entity's results are in one partition, in write order; keys spread over partitions.
        var partitionsByKey = messages.GroupBy(m => Encoding.UTF8.GetString(m.Message.Key)).ToDictionary(g => g.Key, g => g.Select(m => m.Partition.Value).Distinct().ToList());
        Assert.All(partitionsByKey.Values, p => Assert.Single(p));
        Assert.True(partitionsByKey.Values.Select(p => p[0]).Distinct().Count() > 1, "all keys landed in one partition");
        foreach (var group in messages.GroupBy(m => Encoding.UTF8.GetString(m.Message.Key)))
        {
            var times = group.OrderBy(m => m.Offset.Value).Select(m => JsonDocument.Parse(m.Message.Value).RootElement.GetProperty("event_time").GetInt64()).ToList();
            Assert.Equal(times.Order(), times);
        }
    }

    [Fact]
    public async Task Writing_the_same_results_again_produces_the_same_result_ids()
    {
        var topic = kafka.CreateTopic(4, "rewrite");
        var results = OutputTestData.Many(UniqueName.For("job"), 50, keys: 7);
        await using (var bus = NewBus())
        {
            await using (var first = new KafkaOutput(bus, topic))
            {
                await first.WriteAsync(results, CancellationToken.None);
            }
            await using var second = new KafkaOutput(bus, topic); // e.g. after a crash before the trigger committed
            await second.WriteAsync(results, CancellationToken.None);
        }

        var messages = Consume(topic, results.Count * 2);
        var copies = messages.GroupBy(m => Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(KafkaOutput.ResultIdHeader))).ToList();
        Assert.Equal(results.Count, copies.Count);
        Assert.All(copies, g =>
        {
            Assert.Equal(2, g.Count());
            Assert.Equal(Encoding.UTF8.GetString(g.First().Message.Value), Encoding.UTF8.GetString(g.Last().Message.Value));
            Assert.Equal(g.First().Partition, g.Last().Partition);
        });
        // What a consumer keeps after de-duplicating by result id is exactly the result set.
        Assert.Equal(results.Select(r => r.ResultId).Order(StringComparer.Ordinal), copies.Select(g => g.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Works_on_the_embedded_bus()
    {
        var directory = Path.Combine(Path.GetTempPath(), UniqueName.For("kafka-output-bus"));
        try
        {
            await using var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = directory });
            await bus.CreateTopicAsync("results", 4);
            var results = OutputTestData.Many(UniqueName.For("job"), 40, keys: 6);
            await using (var output = new KafkaOutput(bus, "results"))
            {
                await output.WriteAsync(results, CancellationToken.None);
            }
            await using var consumer = bus.CreateConsumer(UniqueName.For("g"), ["results"]);
            var received = new List<BusMessage>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (received.Count < results.Count && DateTime.UtcNow < deadline)
            {
                received.AddRange(await consumer.ConsumeAsync(100, TimeSpan.FromMilliseconds(200)));
            }
            Assert.Equal(results.Select(r => r.ResultId).Order(StringComparer.Ordinal),
                received.Select(m => Encoding.UTF8.GetString(Assert.Single(m.Headers, h => h.Key == KafkaOutput.ResultIdHeader).Value)).Order(StringComparer.Ordinal));
            Assert.All(received.GroupBy(m => Encoding.UTF8.GetString(m.Key!)), g => Assert.Single(g.Select(m => m.Partition).Distinct()));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private List<ConsumeResult<byte[], byte[]>> Consume(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(kafka.ConsumerConfig(KafkaFixture.NewGroupId())).Build();
        consumer.Subscribe(topic);
        var messages = KafkaConsume.Exactly(consumer, count, TimeSpan.FromSeconds(60));
        // Nothing beyond the expected messages.
        Assert.Empty(KafkaConsume.UntilQuiet(consumer, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)));
        consumer.Close();
        return messages;
    }
}
