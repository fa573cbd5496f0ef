using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Kafka;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

[Collection(KafkaFixture.CollectionName)]
public sealed class KafkaIngestionTests(KafkaFixture kafka) : IngestionEndToEndTests
{
    protected override IMessageBus OpenBus() => new KafkaMessageBus(new KafkaBusOptions
    {
        BootstrapServers = kafka.BootstrapServers,
        CreateTopics = false,
        SessionTimeout = TimeSpan.FromSeconds(6),
    });

    protected override async Task<string> NewTopicAsync(IMessageBus bus, int partitions)
    {
        var topic = kafka.CreateTopic(partitions);
        await bus.CreateTopicAsync(topic, partitions);
        return topic;
    }

    [Fact]
    public async Task A_Confluent_producers_keys_headers_null_header_values_and_tombstones_are_ingested_or_dead_lettered_never_stuck()
    {
        var bus = OpenBus();
        var topic = await NewTopicAsync(bus, 2);
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "profiles", Format = SourceFormat.Json, Topics = [topic], KeyFields = ["user"], TimeField = "t", IdField = "id" }]);
        harness.StartWorker();
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true }).Build())
        {
            var traced = new Headers { { "traceparent", "00-abc-01"u8.ToArray() }, { "empty-marker", null } };
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = """{"id":"p1","user":"u1","t":1767225600000}""", Headers = traced });
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = null, Value = """{"id":"p2","user":"u2","t":1767225601000}""" });
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = null }); // a compacted topic's delete marker
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = """{"id":"p3","user":"u1","t":1767225602000}""" });
        }

        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= 4), "the four messages are ingested", TimeSpan.FromSeconds(60));
        var stored = await harness.Events.ReplayAsync("profiles", 0, long.MaxValue).ToListAsync();
        Assert.Equal(["p1", "p2", "p3"], stored.Select(e => e.EventId).Order());
        var first = stored.Single(e => e.EventId == "p1");
        Assert.Equal("00-abc-01", first.Headers["traceparent"]);
        Assert.Equal("", first.Headers["empty-marker"]);
        // The keyed null value is the compaction delete marker: housekeeping, not a malformed message.
        Assert.Empty(await harness.DeadLetters.RecentAsync("profiles", 10).ToListAsync());
        Assert.Equal(1, harness.Counters.Housekeeping(HousekeepingKind.Tombstone));
    }

    [Fact]
    public async Task Tombstones_on_a_json_topic_are_recorded_as_housekeeping_and_a_keyless_empty_message_is_dead_lettered()
    {
        var bus = OpenBus();
        var topic = await NewTopicAsync(bus, 1);
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "prefs", Format = SourceFormat.Json, Topics = [topic], KeyFields = ["user"], TimeField = "t", IdField = "id" }]);
        harness.StartWorker();
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = """{"id":"q1","user":"u1","t":1767225600000}""" });
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = null });   // Kafka's tombstone
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = "u1", Value = "null" }); // a converter's JSON null
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = null, Value = "" });     // no key: no tombstone
        }

        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= 4), "the four messages are ingested", TimeSpan.FromSeconds(60));
        Assert.Equal(2, harness.Counters.Housekeeping(HousekeepingKind.Tombstone));
        var dead = Assert.Single(await harness.DeadLetters.RecentAsync("prefs", 10).ToListAsync());
        Assert.Null(dead.Key);
        Assert.Contains("not a tombstone", dead.Reason, StringComparison.Ordinal);
        // The message stays what it was: a tombstone deletes nothing of a message source.
        var stored = Assert.Single(await harness.Events.ReplayAsync("prefs", 0, long.MaxValue).ToListAsync());
        Assert.Equal("q1", stored.EventId);
    }

    [Fact]
    public async Task A_broker_taken_down_and_brought_back_during_ingestion_loses_and_duplicates_nothing()
    {
        var bus = OpenBus();
        var topic = await NewTopicAsync(bus, 6);
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "clicks", Format = SourceFormat.Json, Topics = [topic], KeyFields = ["user"], TimeField = "t", IdField = "id" }]);
        harness.StartWorker();
        const int Total = 3000;
        var produce = Task.Run(async () =>
        {
            await using var producer = bus.CreateProducer();
            for (var batch = 0; batch < Total / 100; batch++)
            {
                await producer.ProduceAsync(topic, Enumerable.Range(batch * 100, 100)
                    .Select(i => Json($$"""{"id":"c{{i}}","user":"u{{i % 37}}","t":{{1767225600000 + i}}}""")).ToList());
            }
        });
        await IngestHarness.WaitUntilAsync(async () => harness.Counters.Written >= 500, "ingestion is under way");
        kafka.Cluster.TakeBrokerDown(2);
        try
        {
            await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Written >= 1000 || produce.IsCompleted), "ingestion went on with a broker down", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // Partitions led by the down broker stall (the mock has no leader fail-over); that is allowed.
        }
        finally
        {
            kafka.Cluster.BringBrokerUp(2);
        }
        await produce.WaitAsync(TimeSpan.FromSeconds(120));
        await IngestHarness.WaitUntilAsync(async () => await harness.Events.ReplayAsync("clicks", 0, long.MaxValue).CountAsync() >= Total,
            "every event is stored", TimeSpan.FromSeconds(120));

        var stored = await harness.Events.ReplayAsync("clicks", 0, long.MaxValue).ToListAsync();
        Assert.Equal(Total, stored.Count);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"c{i}").Order(), stored.Select(e => e.EventId).Order());
    }
}
