using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

public sealed class CdcParserTests
{
    [Theory]
    [InlineData("c", EventOperation.Insert)]
    [InlineData("u", EventOperation.Update)]
    [InlineData("r", EventOperation.SnapshotRead)]
    public void Debezium_schemaless_envelopes_become_events_with_commit_time(string op, EventOperation expected)
    {
        var json = """{"before":{"id":7,"amount":1},"after":{"id":7,"amount":2.50},"op":"OP","ts_ms":1700000009999,"source":{"ts_ms":1700000001000,"db":"loans"}}""".Replace("OP", op, StringComparison.Ordinal);
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(json), 5));
        Assert.Equal((expected, "7", 1700000001000L, 5L), (e.Operation, e.EntityKey, e.EventTime, e.IngestTime));
        Assert.Equal("""{"id":7,"amount":2.50}""", Text(e.After));
        Assert.Equal("""{"id":7,"amount":1}""", Text(e.Before));
        // No connector, no position in the source block: only the bus position names the change.
        Assert.Equal("@orders-topic/3/42", e.EventId);
        Assert.Equal(Position, e.Position);
    }

    [Fact]
    public void Debezium_with_schema_and_key_from_the_message_key()
    {
        var json = """{"schema":{"type":"struct"},"payload":{"before":{"id":"a-1","v":1},"after":null,"op":"d","source":{"ts_ms":1700000002000}}}""";
        var key = """{"schema":{"type":"struct"},"payload":{"id":"a-1"}}""";
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium), Raw(json, key), 5));
        Assert.Equal((EventOperation.Delete, "a-1", true), (e.Operation, e.EntityKey, e.IsDelete));
        Assert.Null(e.After);
        Assert.Equal("""{"id":"a-1","v":1}""", Text(e.Before));
    }

    [Fact]
    public void Debezium_tombstones_carry_nothing_and_composite_keys_join_with_a_bar()
    {
        var tombstone = EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw([]), 5);
        Assert.Empty(tombstone.Events);
        Assert.Equal(HousekeepingKind.Tombstone, tombstone.HousekeepingMessage?.Kind);
        var json = """{"after":{"tenant":"t1","id":3},"op":"c","source":{"ts_ms":1}}""";
        Assert.Equal("t1|3", Single(EventParsers.Parse(Source(SourceFormat.Debezium, "tenant", "id"), Raw(json), 5)).EntityKey);
    }

    [Fact]
    public void Canal_messages_with_several_rows_give_one_event_per_row_with_distinct_ids()
    {
        var json = """
            {"type":"UPDATE","database":"loans","table":"orders","pkNames":["id"],"isDdl":false,"es":1700000003000,"ts":1700000003500,
             "data":[{"id":"1","status":"PAID","amount":"10"},{"id":"2","status":"LATE","amount":"20"}],
             "old":[{"status":"NEW"},{"status":"PAID","amount":"19"}]}
            """;
        var result = EventParsers.Parse(Source(SourceFormat.Canal), Raw(json), 5);
        Assert.False(result.IsRejected, result.Error);
        Assert.Equal(["1", "2"], result.Events.Select(e => e.EntityKey));
        Assert.All(result.Events, e => Assert.Equal((EventOperation.Update, 1700000003000L), (e.Operation, e.EventTime)));
        Assert.Equal(2, result.Events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal("PAID", Field(result.Events[0].After, "status"));
        Assert.Equal("NEW", Field(result.Events[0].Before, "status"));
        Assert.Equal(("PAID", "19"), (Field(result.Events[1].Before, "status"), Field(result.Events[1].Before, "amount")));
    }

    [Fact]
    public void Canal_deletes_keep_the_row_as_before_image_and_ddl_carries_nothing()
    {
        var delete = """{"type":"DELETE","pkNames":["id"],"es":1700000004000,"data":[{"id":"9","v":"x"}]}""";
        var e = Single(EventParsers.Parse(Source(SourceFormat.Canal), Raw(delete), 5));
        Assert.Equal((EventOperation.Delete, "9"), (e.Operation, e.EntityKey));
        Assert.Null(e.After);
        Assert.Equal("x", Field(e.Before, "v"));
        var ddl = """{"type":"ALTER","isDdl":true,"sql":"alter table t add c int","es":1,"data":null}""";
        var result = EventParsers.Parse(Source(SourceFormat.Canal), Raw(ddl), 5);
        Assert.False(result.IsRejected, result.Error);
        Assert.Empty(result.Events);
        Assert.Equal(HousekeepingKind.Ddl, result.HousekeepingMessage?.Kind);
    }

    [Fact]
    public void Maxwell_time_is_in_seconds_and_updates_rebuild_the_before_image()
    {
        var json = """{"database":"loans","table":"users","type":"update","ts":1700000005,"xid":1,"commit":true,"data":{"id":5,"city":"Paris","age":31},"old":{"city":"Lyon"},"primary_key":5}""";
        var e = Single(EventParsers.Parse(Source(SourceFormat.Maxwell), Raw(json), 5));
        Assert.Equal((EventOperation.Update, "5", 1700000005000L), (e.Operation, e.EntityKey, e.EventTime));
        Assert.Equal("Lyon", Field(e.Before, "city"));
        Assert.Equal("Paris", Field(e.After, "city"));
        var bootstrap = """{"database":"loans","table":"users","type":"bootstrap-start","ts":1700000005,"data":{}}""";
        Assert.Empty(EventParsers.Parse(Source(SourceFormat.Maxwell, "id"), Raw(bootstrap), 5).Events);
    }

    [Theory]
    [InlineData(SourceFormat.Debezium, """{"after":{"id":1},"op":"x","source":{"ts_ms":1}}""", "unknown Debezium op 'x'")]
    [InlineData(SourceFormat.Debezium, """{"after":{"name":"n"},"op":"c","source":{"ts_ms":1}}""", "missing key field 'id'")]
    [InlineData(SourceFormat.Debezium, """{"after":{"id":{"nested":1}},"op":"c","source":{"ts_ms":1}}""", "must be a string or number")]
    [InlineData(SourceFormat.Debezium, """{"after":{"id":1},"op":"c","source":{"ts_ms":"soon"}}""", "integer timestamp")]
    [InlineData(SourceFormat.Debezium, """{"before":null,"after":null,"op":"d","source":{"ts_ms":1}}""", "delete without 'before'")]
    [InlineData(SourceFormat.Canal, """{"type":"UPSERT","es":1,"data":[{"id":"1"}]}""", "unknown Canal type 'UPSERT'")]
    [InlineData(SourceFormat.Canal, """{"type":"INSERT","es":1,"data":[]}""", "non-empty array")]
    [InlineData(SourceFormat.Maxwell, """{"data":{"id":1}}""", "missing Maxwell 'type'")]
    [InlineData(SourceFormat.Maxwell, """{"type":"upsert","ts":1,"data":{"id":1}}""", "unknown Maxwell type 'upsert'")]
    [InlineData(SourceFormat.Debezium, """{"after":{"id":1},"source":{"ts_ms":1}}""", "missing Debezium 'op'")]
    [InlineData(SourceFormat.Maxwell, """{"type":"insert","ts":-5,"data":{"id":1}}""", "out of range")]
    public void Malformed_cdc_messages_are_rejected_with_the_reason(SourceFormat format, string json, string reason)
    {
        var result = EventParsers.Parse(Source(format, "id"), Raw(json), 5);
        Assert.True(result.IsRejected, "expected a rejection");
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    private static string? Field(byte[]? json, string name)
    {
        using var document = JsonDocument.Parse(json!);
        var value = document.RootElement.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
    }
}
