using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// An UPDATE that changes a row's entity key (its primary key from Maxwell and Canal, a KeyFields column from Debezium)
/// over Kafka: as Debezium emits a primary-key change, the old key gets
/// a delete (before-image = the old row; a fetch of the old key no longer finds the row) and the new key an insert,
/// with stable, distinct ids, so a re-delivery of the message stores nothing twice.
/// </summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class KeyChangeIngestionTests(KafkaFixture kafka)
{
    [Fact]
    public async Task A_maxwell_update_of_the_primary_key_deletes_the_old_key_and_inserts_the_new()
    {
        static OutgoingMessage Maxwell(int pk, string json) =>
            new(Encoding.UTF8.GetBytes($$"""{"database":"shop","table":"orders","pk.id":{{pk}}}"""), Encoding.UTF8.GetBytes(json));
        var insert = Maxwell(1, """{"database":"shop","table":"orders","type":"insert","ts":1767225600,"xid":10,"commit":true,"position":"binlog.000003:100","server_id":1,"data":{"id":1,"amount":5}}""");
        var move = Maxwell(2, """{"database":"shop","table":"orders","type":"update","ts":1767225601,"xid":11,"commit":true,"position":"binlog.000003:200","server_id":1,"data":{"id":2,"amount":5},"old":{"id":1}}""");
        var update = Maxwell(2, """{"database":"shop","table":"orders","type":"update","ts":1767225602,"xid":12,"commit":true,"position":"binlog.000003:300","server_id":1,"data":{"id":2,"amount":6},"old":{"amount":5}}""");
        await using var harness = await RunAsync(SourceFormat.Maxwell, [insert, move, update, move]);

        await AssertHistoryAsync(harness, "1", (EventOperation.Insert, null), (EventOperation.Delete, """{"id":1,"amount":5}"""));
        await AssertHistoryAsync(harness, "2", (EventOperation.Insert, null), (EventOperation.Update, """{"id":2,"amount":5}"""));
        Assert.Null(await harness.Events.GetStateAsync("moves", "1", long.MaxValue));
        var moved = (await harness.Events.GetHistoryAsync("moves", "1", 0, long.MaxValue).ToListAsync())[1];
        var arrived = (await harness.Events.GetHistoryAsync("moves", "2", 0, long.MaxValue).ToListAsync())[0];
        Assert.Equal((arrived.EventId + ":old-key", "2", "1"), (moved.EventId, moved.Headers["fp-new-key"], arrived.Headers["fp-old-key"]));
        Assert.Equal(1767225601000, moved.EventTime);
    }

    [Fact]
    public async Task A_canal_statement_shifting_primary_keys_moves_each_row_and_a_producer_retry_stores_nothing_twice()
    {
        static OutgoingMessage Canal(string json) => new("shop.orders"u8.ToArray(), Encoding.UTF8.GetBytes(json));
        const string Header = """ "database":"shop","table":"orders","pkNames":["id"],"isDdl":false,"sqlType":{"id":4,"amount":4},"mysqlType":{"id":"int(11)","amount":"int(11)"}""";
        var insert = Canal($$"""{"id":5,{{Header}},"type":"INSERT","es":1767225600000,"ts":1767225600100,"data":[{"id":"1","amount":"5"},{"id":"2","amount":"7"}],"old":null}""");
        // UPDATE orders SET id = id + 1 ORDER BY id DESC: 2 → 3, then 1 → 2, in one binlog event.
        var shift = Canal($$"""{"id":6,{{Header}},"type":"UPDATE","es":1767225601000,"ts":1767225601100,"data":[{"id":"3","amount":"7"},{"id":"2","amount":"5"}],"old":[{"id":"2"},{"id":"1"}]}""");
        await using var harness = await RunAsync(SourceFormat.Canal, [insert, shift, shift]);

        await AssertHistoryAsync(harness, "1", (EventOperation.Insert, null), (EventOperation.Delete, """{"id":1,"amount":5}"""));
        await AssertHistoryAsync(harness, "2", (EventOperation.Insert, null), (EventOperation.Delete, """{"id":2,"amount":7}"""), (EventOperation.Insert, null));
        await AssertHistoryAsync(harness, "3", (EventOperation.Insert, null));
        Assert.Null(await harness.Events.GetStateAsync("moves", "1", long.MaxValue));
        Assert.Equal("""{"id":2,"amount":5}""", Encoding.UTF8.GetString((await harness.Events.GetStateAsync("moves", "2", long.MaxValue))!.After!));
        Assert.Equal("""{"id":3,"amount":7}""", Encoding.UTF8.GetString((await harness.Events.GetStateAsync("moves", "3", long.MaxValue))!.After!));
    }

    [Fact]
    public async Task A_debezium_update_that_changes_a_key_field_other_than_the_primary_key_moves_the_row_too()
    {
        // Debezium splits primary-key changes itself; an orders source keyed by user_id sees a plain update.
        static OutgoingMessage Debezium(string json) => new("""{"id":1}"""u8.ToArray(), Encoding.UTF8.GetBytes(json));
        const string Source = """ "source":{"connector":"mysql","name":"dbz","server_id":1,"ts_ms":1767225600000,"db":"shop","table":"orders","file":"mysql-bin.000003","row":0""";
        var insert = Debezium($$"""{"before":null,"after":{"id":1,"user_id":"a"},{{Source}},"pos":100},"op":"c"}""");
        var move = Debezium($$"""{"before":{"id":1,"user_id":"a"},"after":{"id":1,"user_id":"b"},{{Source}},"pos":200},"op":"u"}""");
        await using var harness = await RunAsync(SourceFormat.Debezium, [insert, move, move], ["user_id"]);

        await AssertHistoryAsync(harness, "a", (EventOperation.Insert, null), (EventOperation.Delete, """{"id":1,"user_id":"a"}"""));
        await AssertHistoryAsync(harness, "b", (EventOperation.Insert, null));
    }

    private async Task<IngestHarness> RunAsync(SourceFormat format, IReadOnlyList<OutgoingMessage> messages, IReadOnlyList<string>? keyFields = null)
    {
        var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var topic = kafka.CreateTopic(1, "moves");
        var harness = await IngestHarness.StartAsync(bus, [new SourceDefinition { Name = "moves", Format = format, Topics = [topic], KeyFields = keyFields ?? [] }]);
        try
        {
            await using (var producer = bus.CreateProducer())
            {
                await producer.ProduceAsync(topic, messages);
            }
            harness.StartWorker();
            await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= messages.Count), $"{messages.Count} messages are ingested");
            var dead = await harness.DeadLetters.RecentAsync("moves", 10).ToListAsync();
            Assert.True(dead.Count == 0, "dead-lettered: " + string.Join(" | ", dead.Select(d => d.Reason)));
            // The re-delivered message (the last) added nothing: each event once, under its own id.
            var all = await harness.Events.ReplayAsync("moves", 0, long.MaxValue).ToListAsync();
            Assert.Equal(all.Count, all.Select(e => e.EventId).Distinct().Count());
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>The entity's stored operations in order, and the before-image of each delete and update.</summary>
    private static async Task AssertHistoryAsync(IngestHarness harness, string key, params (EventOperation Operation, string? Before)[] expected)
    {
        var stored = await harness.Events.GetHistoryAsync("moves", key, 0, long.MaxValue).ToListAsync();
        var described = string.Join(" | ", stored.Select(e => $"{e.Operation} {e.EventId} before={(e.Before is null ? "null" : Encoding.UTF8.GetString(e.Before))}"));
        Assert.True(expected.Length == stored.Count, $"entity {key}: {described}");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].Operation == stored[i].Operation, $"entity {key}, change {i}: {described}");
            if (expected[i].Before is { } before)
            {
                Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(before).RootElement, JsonDocument.Parse(stored[i].Before!).RootElement), $"entity {key}, change {i}: {described}");
            }
        }
    }
}
