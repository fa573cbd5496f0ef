using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>Maxwell output as Maxwell's documentation describes it, with and without its position options.</summary>
public sealed class MaxwellFormatTests
{
    private static readonly SourceDefinition Orders = Source(SourceFormat.Maxwell);

    private const string Key = """{"database":"shop","table":"orders","pk.id":4}""";

    [Theory]
    [InlineData("\"position\":\"master.000003:1234\",\"xid\":940752,\"xoffset\":2", "maxwell:pos::master.000003:1234:x2")]
    [InlineData("\"position\":\"master.000003:1234\",\"xid\":940752,\"commit\":true", "maxwell:pos::master.000003:1234:commit")]
    [InlineData("\"position\":\"master.000003:1234\",\"xid\":940752,\"server_id\":23042", "maxwell:pos:23042:master.000003:1234:shop.orders:4")]
    [InlineData("\"xid\":940752,\"xoffset\":0", "maxwell:xid::940752:x0:1449786310")]
    [InlineData("\"xid\":940752,\"commit\":true", "maxwell:xid::940752:commit:1449786310")]
    [InlineData("\"xid\":940752", "@orders-topic/3/42")]
    [InlineData("\"ts_extra\":1", "@orders-topic/3/42")]
    public void Ids_come_from_the_binlog_position_and_transaction_offset_that_maxwell_outputs(string fields, string expected)
    {
        var json = "{\"database\":\"shop\",\"table\":\"orders\",\"type\":\"update\",\"ts\":1449786310," + fields + ",\"data\":{\"id\":4,\"m\":6},\"old\":{\"m\":5}}";
        var e = Single(EventParsers.Parse(Orders, Raw(json, Key), 1));
        Assert.Equal(expected, e.EventId);
        Assert.Equal(("4", 1449786310000L, "5"), (e.EntityKey, e.EventTime, System.Text.Json.JsonDocument.Parse(e.Before!).RootElement.GetProperty("m").GetRawText()));
        var resent = Single(EventParsers.Parse(Orders, Raw(json, Key) with { Position = Position with { Offset = 999 } }, 1));
        Assert.Equal(expected[0] == '@' ? "@orders-topic/3/999" : expected, resent.EventId);
    }

    [Theory]
    [InlineData("""{"database":"shop","table":"orders","pk.id":4}""", "4")]
    [InlineData("""{"database":"test_tb","table":"test_tbl","pk.id":4,"pk.part2":"hello"}""", "4|hello")]
    [InlineData("""["test_tb","test_tbl",[{"id":4},{"part2":"hello"}]]""", "4|hello")]
    public void Without_key_fields_or_primary_key_output_the_kafka_key_names_the_row(string kafkaKey, string expected)
    {
        var json = """{"database":"shop","table":"orders","type":"insert","ts":1449786310,"xid":940752,"commit":true,"data":{"id":4,"part2":"hello"}}""";
        Assert.Equal(expected, Single(EventParsers.Parse(Orders, Raw(json, kafkaKey), 1)).EntityKey);
    }

    [Fact]
    public void Primary_key_output_wins_over_the_kafka_key_and_a_key_without_pk_fields_is_rejected_with_the_reason()
    {
        var json = """{"database":"shop","table":"orders","type":"insert","ts":1449786310,"data":{"id":4,"code":"A"},"primary_key":["A"],"primary_key_columns":["code"]}""";
        Assert.Equal("A", Single(EventParsers.Parse(Orders, Raw(json, Key), 1)).EntityKey);
        var keyless = EventParsers.Parse(Orders, Raw("""{"database":"shop","table":"log","type":"insert","ts":1,"data":{"msg":"x"}}""", """{"database":"shop","table":"log","_uuid":"1f0e"}"""), 1);
        Assert.True(keyless.IsRejected);
        Assert.Contains("configure KeyFields", keyless.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"table-create","database":"shop","table":"orders","def":{"database":"shop","table":"orders","columns":[{"type":"int","name":"id","signed":true}],"primary-key":["id"]},"ts":1449786310000,"sql":"create table orders (id int primary key)","position":"master.000003:1000"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"type":"table-alter","database":"shop","table":"orders","old":{"database":"shop","table":"orders","columns":[]},"def":{"database":"shop","table":"orders","columns":[]},"ts":1449786310,"sql":"alter table orders add column m int","position":"master.000003:1200"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"type":"table-drop","database":"shop","table":"old_orders","ts":1449786310,"sql":"drop table old_orders"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"type":"database-create","database":"shop2","def":{"database":"shop2","charset":"utf8mb4"},"ts":1449786310,"sql":"create database shop2"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"type":"database-alter","database":"shop2","ts":1449786310,"sql":"alter database shop2 charset latin1"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"type":"database-drop","database":"shop2","ts":1449786310,"sql":"drop database shop2"}""", HousekeepingKind.Ddl)]
    [InlineData("""{"database":"shop","table":"orders","type":"bootstrap-start","ts":1449786310,"data":{}}""", HousekeepingKind.BootstrapMarker)]
    [InlineData("""{"database":"shop","table":"orders","type":"bootstrap-complete","ts":1449786310,"data":{}}""", HousekeepingKind.BootstrapMarker)]
    [InlineData("""{"database":"maxwell","table":"heartbeats","type":"heartbeat","ts":1449786310,"xid":1,"commit":true,"data":{"heartbeat":1449786310123}}""", HousekeepingKind.Heartbeat)]
    [InlineData("", HousekeepingKind.Tombstone)]
    [InlineData("null", HousekeepingKind.Tombstone)]
    public void Ddl_bootstrap_markers_heartbeats_and_tombstones_are_housekeeping(string json, HousekeepingKind kind)
    {
        var result = EventParsers.Parse(Orders, Raw(json, Key), 1);
        Assert.False(result.IsRejected, result.Error);
        Assert.Empty(result.Events);
        Assert.Equal(kind, result.HousekeepingMessage?.Kind);
    }

    [Fact]
    public void Bootstrap_rows_are_snapshot_reads_and_a_zero_or_absent_ts_takes_the_kafka_timestamp()
    {
        var row = Single(EventParsers.Parse(Orders, Raw("""{"database":"shop","table":"orders","type":"bootstrap-insert","ts":0,"data":{"id":4}}""", Key, 1_600_000_000_000), 1));
        Assert.Equal((EventOperation.SnapshotRead, 1_600_000_000_000L), (row.Operation, row.EventTime));
        var noTs = Single(EventParsers.Parse(Orders, Raw("""{"database":"shop","table":"orders","type":"delete","data":{"id":4}}""", Key, 1_600_000_000_000), 1));
        Assert.Equal((EventOperation.Delete, 1_600_000_000_000L), (noTs.Operation, noTs.EventTime));
    }

    [Fact]
    public void A_ts_in_milliseconds_is_rejected_saying_maxwell_ts_is_seconds()
    {
        var result = EventParsers.Parse(Orders, Raw("""{"database":"shop","table":"orders","type":"insert","ts":1449786310123,"xid":1,"commit":true,"data":{"id":4}}""", Key), 1);
        Assert.Equal("Maxwell 'ts' is seconds since 1970; 1449786310123 looks like milliseconds (send 1449786310)", result.Error);
    }
}
