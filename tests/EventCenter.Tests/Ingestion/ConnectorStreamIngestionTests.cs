using System.Text;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.EventCenter.EventStorage;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Each connector's output, written from its documentation, through the Kafka mock and the real ingest worker:
/// same-second repeats (insert → delete → re-insert; m 5 → 6 → 5 → 6), connector re-sends at new offsets and every
/// housekeeping shape. The stored history and latest state of every row must be the source database's, re-sends
/// stored once, and nothing dead-lettered. (With content-derived ids, the repeats collapse and these tests fail.)
/// </summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class ConnectorStreamIngestionTests(KafkaFixture kafka)
{
    [Fact]
    public async Task Debezium_mysql_stream_with_snapshot_repeats_resends_and_housekeeping_is_stored_as_the_binlog_says()
    {
        var stream = new DebeziumMySqlStream();
        var log = stream.Build();
        await RunAsync(new SourceDefinition { Name = "inventory.customers", Format = SourceFormat.Debezium }, partitions: 2, log);
    }

    [Fact]
    public async Task Debezium_postgres_stream_with_messages_truncates_and_heartbeats_on_their_own_topic_is_stored_as_the_wal_says()
    {
        var log = new DebeziumPostgresStream().Build();
        await RunAsync(new SourceDefinition { Name = "pg.accounts", Format = SourceFormat.Debezium, KeyFields = ["id"] }, partitions: 1, log);
    }

    [Fact]
    public async Task Canal_stream_with_batches_ddl_producer_retries_and_typed_values_is_stored_as_the_binlog_says()
    {
        var log = new CanalStream().Build();
        await RunAsync(new SourceDefinition { Name = "canal.shop", Format = SourceFormat.Canal }, partitions: 1, log);
    }

    [Fact]
    public async Task Maxwell_streams_with_and_without_binlog_positions_ddl_bootstrap_and_resends_are_stored_as_the_binlog_says()
    {
        var log = new MaxwellStream().Build();
        await RunAsync(new SourceDefinition { Name = "maxwell.shop", Format = SourceFormat.Maxwell }, partitions: 2, log);
    }

    private async Task RunAsync(SourceDefinition template, int partitions, ConnectorLog log)
    {
        var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var topic = kafka.CreateTopic(partitions, "cdc");
        var topics = new List<string> { topic };
        string? heartbeatTopic = null;
        if (log.Heartbeats.Count > 0)
        {
            // Debezium writes heartbeats to their own topic, __debezium-heartbeat.<topic.prefix>.
            heartbeatTopic = kafka.CreateTopic(1, DebeziumHousekeeping.HeartbeatTopicPrefix + ".server");
            topics.Add(heartbeatTopic);
        }
        var source = template with { Topics = topics };
        await using var harness = await IngestHarness.StartAsync(bus, [source]);
        var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, log.Messages);
            // The connector restarts and sends again from an older position: the same changes at new offsets.
            await producer.ProduceAsync(topic, log.Resends);
            if (heartbeatTopic is not null)
            {
                await producer.ProduceAsync(heartbeatTopic, log.Heartbeats);
            }
        }
        harness.StartWorker();
        var total = log.Messages.Count + log.Resends.Count + log.Heartbeats.Count;
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= total), $"{total} messages are ingested");

        var dead = await harness.DeadLetters.RecentAsync(source.Name, 100).ToListAsync();
        Assert.True(dead.Count == 0, "dead-lettered: " + string.Join(" | ", dead.Select(d => $"{d.Reason}: {Encoding.UTF8.GetString(d.Value)}")));
        foreach (var (key, expected) in log.Histories)
        {
            var stored = await harness.Events.GetHistoryAsync(source.Name, key, 0, long.MaxValue).ToListAsync();
            Assert.True(expected.Count == stored.Count,
                $"entity {key}: expected {expected.Count} changes, stored {stored.Count}: {string.Join(" | ", stored.Select(Describe))}");
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].Matches(stored[i], startedAt), $"entity {key}, change {i}: expected {expected[i]}, stored {Describe(stored[i])}");
            }
            var latest = await harness.Events.GetStateAsync(source.Name, key, long.MaxValue);
            var last = expected[^1];
            Assert.True(last.Operation == EventOperation.Delete ? latest is null : latest is not null && last.Matches(latest, startedAt), $"entity {key}: latest state differs");
        }
        var all = await harness.Events.ReplayAsync(source.Name, 0, long.MaxValue).ToListAsync();
        Assert.Equal(log.Histories.Sum(h => h.Value.Count), all.Count);
        Assert.Equal(all.Count, all.Select(e => e.EventId).Distinct().Count());
        foreach (var (kind, count) in log.Housekeeping)
        {
            Assert.True(count == harness.Counters.Housekeeping(kind), $"{kind}: expected {count}, counted {harness.Counters.Housekeeping(kind)}");
        }
    }

    private static string Describe(ChangeEvent e) =>
        $"{e.Operation} t={e.EventTime} id={e.EventId} after={(e.After is null ? "null" : Encoding.UTF8.GetString(e.After))}";
}

/// <summary>What a connector wrote (in order), what it re-sent, and what the source database's history is.</summary>
internal sealed class ConnectorLog
{
    public List<OutgoingMessage> Messages { get; } = [];

    public List<OutgoingMessage> Resends { get; } = [];

    public List<OutgoingMessage> Heartbeats { get; } = [];

    public Dictionary<string, List<ExpectedChange>> Histories { get; } = [];

    public Dictionary<HousekeepingKind, int> Housekeeping { get; } = Enum.GetValues<HousekeepingKind>().ToDictionary(k => k, _ => 0);

    /// <summary>Records a row change the database made (in commit order) and the message carrying it.</summary>
    public void Change(string key, EventOperation operation, string image, long? time, OutgoingMessage message)
    {
        Messages.Add(message);
        Expect(key, operation, image, time);
    }

    public void Expect(string key, EventOperation operation, string image, long? time)
    {
        if (!Histories.TryGetValue(key, out var history))
        {
            Histories[key] = history = [];
        }
        history.Add(new ExpectedChange(operation, image, time));
    }

    public void Housekept(HousekeepingKind kind, OutgoingMessage message, bool heartbeatTopic = false)
    {
        (heartbeatTopic ? Heartbeats : Messages).Add(message);
        Housekeeping[kind]++;
    }
}

/// <summary>One change of a row: operation, the row image (after, or before for a delete) and the commit time (null: "the Kafka timestamp").</summary>
internal sealed record ExpectedChange(EventOperation Operation, string Image, long? Time)
{
    public bool Matches(ChangeEvent e, long startedAt)
    {
        var image = Operation == EventOperation.Delete ? e.Before : e.After;
        var timeOk = Time is { } t ? e.EventTime == t : e.EventTime >= startedAt - 60_000 && e.EventTime <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000;
        return e.Operation == Operation && timeOk && image is not null && JsonNode.DeepEquals(JsonNode.Parse(image), JsonNode.Parse(Image));
    }

    public override string ToString() => $"{Operation} t={Time?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "kafka"} image={Image}";
}
