using System.Text;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// A connector time in the wrong unit, over Kafka: Canal <c>es</c> and Debezium <c>source.ts_ms</c>/<c>ts_ms</c> in
/// seconds, Maxwell <c>ts</c> in milliseconds. Stored as they are, they would be events of January 1970 (or of year
/// 47000); each is dead-lettered with a reason naming the field and the value to send, as the HTTP path answers 400.
/// </summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class TimeUnitIngestionTests(KafkaFixture kafka)
{
    [Theory]
    [InlineData(SourceFormat.Canal, """{"data":[{"id":"1"}],"database":"loan","es":ES,"id":3,"isDdl":false,"pkNames":["id"],"table":"repayments","ts":1767225600123,"type":"INSERT"}""", "1767225600", "es: 1767225600 read as milliseconds", "send 1767225600000")]
    [InlineData(SourceFormat.Canal, """{"data":[{"id":"1"}],"database":"loan","id":3,"isDdl":false,"pkNames":["id"],"table":"repayments","ts":ES,"type":"INSERT"}""", "1767225600", "ts: 1767225600 read as milliseconds", "send 1767225600000")]
    [InlineData(SourceFormat.Debezium, """{"before":null,"after":{"id":1},"source":{"connector":"mysql","name":"dbz","server_id":1,"ts_ms":ES,"file":"mysql-bin.000003","pos":400,"row":0},"op":"c","ts_ms":1767225600020}""", "1767225600", "source.ts_ms: 1767225600 read as milliseconds", "send 1767225600000")]
    [InlineData(SourceFormat.Debezium, """{"before":null,"after":{"id":1},"op":"c","ts_ms":ES}""", "1767225600", "ts_ms: 1767225600 read as milliseconds", "send 1767225600000")]
    [InlineData(SourceFormat.Maxwell, """{"database":"loan","table":"credit","type":"insert","ts":ES,"xid":7,"commit":true,"data":{"id":1}}""", "1767225600000", "'ts' is seconds since 1970; 1767225600000 looks like milliseconds", "send 1767225600")]
    public async Task A_connector_time_in_the_wrong_unit_is_dead_lettered_naming_the_field_and_the_value_to_send(
        SourceFormat format, string template, string wrongTime, string names, string fix)
    {
        var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var topic = kafka.CreateTopic(1, "units");
        var source = new SourceDefinition { Name = "units", Format = format, Topics = [topic], KeyFields = ["id"] };
        await using var harness = await IngestHarness.StartAsync(bus, [source]);
        var wrong = template.Replace("ES", wrongTime, StringComparison.Ordinal);
        // The same change with the time in its right unit follows: ingestion goes on and stores it in 2026.
        var right = template.Replace("ES", format == SourceFormat.Maxwell ? "1767225600" : "1767225600000", StringComparison.Ordinal);
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, [new OutgoingMessage("1"u8.ToArray(), Encoding.UTF8.GetBytes(wrong)), new OutgoingMessage("1"u8.ToArray(), Encoding.UTF8.GetBytes(right))]);
        }
        harness.StartWorker();
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages >= 2), "both messages are ingested");

        var dead = Assert.Single(await harness.DeadLetters.RecentAsync("units", 10).ToListAsync());
        Assert.Contains(names, dead.Reason, StringComparison.Ordinal);
        Assert.Contains(fix, dead.Reason, StringComparison.Ordinal);
        Assert.Equal(wrong, Encoding.UTF8.GetString(dead.Value));
        var stored = Assert.Single(await harness.Events.ReplayAsync("units", 0, long.MaxValue).ToListAsync());
        Assert.True(stored.EventTime >= 1767225600000, $"stored at {stored.EventTime}, not in 2026");
    }
}
