using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Debezium messages as its connector documentation prints them (written here, not copied): identity from the
/// <c>source</c> block per connector kind, every housekeeping shape, event times when <c>ts_ms</c> is 0 or absent.
/// </summary>
public sealed class DebeziumFormatTests
{
    private static readonly SourceDefinition Customers = Source(SourceFormat.Debezium);

    private const string MySqlKey = """{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"mysql-server-1.inventory.customers.Key"},"payload":{"id":1004}}""";

    /// <summary>A schema-wrapped MySQL change as the JSON converter writes it with schemas enabled.</summary>
    internal static string MySql(string op, string? before, string? after, string file, long pos, int row, long sourceTs = 1465581029000, string snapshot = "false", string name = "mysql-server-1") => $$$"""
        {"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":false,"field":"email"}],"optional":true,"name":"mysql-server-1.inventory.customers.Value","field":"before"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"connector"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":false,"field":"file"},{"type":"int64","optional":false,"field":"pos"},{"type":"int32","optional":false,"field":"row"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"mysql-server-1.inventory.customers.Envelope"},
         "payload":{"before":{{{before ?? "null"}}},"after":{{{after ?? "null"}}},
           "source":{"version":"2.7.0.Final","connector":"mysql","name":"{{{name}}}","ts_ms":{{{sourceTs}}},"snapshot":"{{{snapshot}}}","db":"inventory","sequence":null,"table":"customers","server_id":223344,"gtid":null,"file":"{{{file}}}","pos":{{{pos}}},"row":{{{row}}},"thread":7,"query":null},
           "op":"{{{op}}}","ts_ms":1465581029523,"transaction":null}}
        """;

    [Fact]
    public void MySql_ids_come_from_server_file_pos_and_row_and_a_resend_gets_the_same_id()
    {
        var insert = MySql("c", null, """{"id":1004,"email":"annek@noanswer.org"}""", "mysql-bin.000003", 154, 0);
        var first = Single(EventParsers.Parse(Customers, Raw(insert, MySqlKey), 1));
        var resent = Single(EventParsers.Parse(Customers, Raw(insert, MySqlKey) with { Position = Position with { Offset = 900 } }, 2));
        Assert.Equal("dbz:mysql-server-1:mysql:223344:mysql-bin.000003:154:0", first.EventId);
        Assert.Equal(first.EventId, resent.EventId);
        Assert.Equal(("1004", 1465581029000L), (first.EntityKey, first.EventTime));

        // Identical content at another binlog position is another change (e.g. the value flipped back).
        var again = Single(EventParsers.Parse(Customers, Raw(MySql("c", null, """{"id":1004,"email":"annek@noanswer.org"}""", "mysql-bin.000003", 611, 0), MySqlKey), 1));
        var secondRow = Single(EventParsers.Parse(Customers, Raw(MySql("c", null, """{"id":1004,"email":"annek@noanswer.org"}""", "mysql-bin.000003", 154, 1), MySqlKey), 1));
        var otherServer = Single(EventParsers.Parse(Customers, Raw(MySql("c", null, """{"id":1004,"email":"annek@noanswer.org"}""", "mysql-bin.000003", 154, 0, name: "mysql-server-2"), MySqlKey), 1));
        Assert.Equal(4, new[] { first.EventId, again.EventId, secondRow.EventId, otherServer.EventId }.Distinct().Count());
    }

    [Fact]
    public void MySql_snapshot_rows_share_a_binlog_position_and_are_told_apart_by_table_and_key_with_a_time_when_source_ts_is_0()
    {
        var rows = new[] { 1001, 1002, 1003 }.Select(id =>
            Single(EventParsers.Parse(Customers, Raw(MySql("r", null, $$"""{"id":{{id}},"email":"x"}""", "mysql-bin.000003", 154, 0, sourceTs: 0, snapshot: id == 1001 ? "first" : id == 1003 ? "last" : "true"), $$"""{"id":{{id}}}"""), 1))).ToList();
        Assert.Equal(3, rows.Select(e => e.EventId).Distinct().Count());
        Assert.All(rows, e => Assert.Equal((EventOperation.SnapshotRead, 1465581029523L), (e.Operation, e.EventTime)));
        Assert.EndsWith(":inventory.customers:1002", rows[1].EventId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"version":"2.7.0.Final","connector":"postgresql","name":"PostgreSQL_server","ts_ms":1559033904863,"snapshot":"false","db":"postgres","sequence":"[\"24023119\",\"24023128\"]","schema":"public","table":"customers","txId":555,"lsn":24023128,"xmin":null}""", "dbz:PostgreSQL_server:pg:24023128:555")]
    [InlineData("""{"version":"2.7.0.Final","connector":"sqlserver","name":"server1","ts_ms":1559729468470,"snapshot":"false","db":"testDB","schema":"dbo","table":"customers","change_lsn":"00000027:00000758:0003","commit_lsn":"00000027:00000758:0005","event_serial_no":"1"}""", "dbz:server1:mssql:00000027:00000758:0005:00000027:00000758:0003:1")]
    [InlineData("""{"version":"2.7.0.Final","connector":"oracle","name":"server1","ts_ms":1520085154000,"txId":"6.28.807","scn":"2122185","commit_scn":"2122185","rs_id":"001234.00012345.0124","ssn":0,"redo_thread":1,"user_name":"user","snapshot":"false","db":"ORCLPDB1","schema":"DEBEZIUM","table":"CUSTOMERS"}""", "dbz:server1:oracle:2122185:2122185::001234.00012345.0124:0:1::ORCLPDB1.DEBEZIUM.CUSTOMERS:1004")]
    [InlineData("""{"version":"2.7.0.Final","connector":"mongodb","name":"fulfillment","ts_ms":1558965508000,"snapshot":"false","db":"inventory","rs":"rs0","collection":"customers","ord":31,"lsid":null,"txnNumber":null}""", "dbz:fulfillment:mongo:rs0:1558965508000:31::inventory.customers:1004")]
    [InlineData("""{"connector":"db2","name":"db2server","ts_ms":1559729468470,"db":"TESTDB","schema":"DB2INST1","table":"CUSTOMERS","change_lsn":"00000000:00000000:0000000000000000000","commit_lsn":"00000000:0000150f:00000000000000000001"}""", "dbz:db2server:db2:change_lsn=00000000:00000000:0000000000000000000:commit_lsn=00000000:0000150f:00000000000000000001:TESTDB.DB2INST1.CUSTOMERS:1004")]
    public void Each_connector_kind_is_identified_by_its_log_position(string sourceBlock, string expectedId)
    {
        var json = $$"""{"before":null,"after":{"id":1004,"email":"annek@noanswer.org"},"source":{{sourceBlock}},"op":"u","ts_ms":1559033904900}""";
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(json), 1));
        Assert.Equal(expectedId, e.EventId);
        Assert.NotEqual(EventIds.BusPositionPrefix, e.EventId[0]);
        Assert.True(e.EventId.Length <= EventIds.MaxLength, e.EventId);
    }

    [Fact]
    public void Unknown_positions_fall_back_to_transaction_metadata_then_to_the_bus_position_and_long_ids_are_bounded()
    {
        var withTransaction = """{"after":{"id":1},"op":"c","source":{"ts_ms":1},"transaction":{"id":"571:53195829","total_order":"2","data_collection_order":"1"}}""";
        Assert.Equal("dbz:tx:571:53195829:2", Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(withTransaction), 1)).EventId);
        var bare = """{"after":{"id":1},"op":"c","source":{"ts_ms":1,"connector":"mysql"}}""";
        Assert.Equal("@orders-topic/3/42", Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(bare), 1)).EventId);
        var longName = new string('n', 300);
        var longId = Single(EventParsers.Parse(Customers, Raw(MySql("c", null, """{"id":1004,"email":"x"}""", "mysql-bin.000003", 154, 0, name: longName), MySqlKey), 1)).EventId;
        var otherLong = Single(EventParsers.Parse(Customers, Raw(MySql("c", null, """{"id":1004,"email":"x"}""", "mysql-bin.000003", 155, 0, name: longName), MySqlKey), 1)).EventId;
        Assert.InRange(longId.Length, 1, EventIds.MaxLength);
        Assert.NotEqual(longId, otherLong);
    }

    [Theory]
    [InlineData("", "tombstone")]
    [InlineData("null", "tombstone")]
    [InlineData("""{"schema":null,"payload":null}""", "tombstone")]
    [InlineData("""{"payload":null}""", "tombstone")]
    public void Every_tombstone_shape_is_recognised(string value, string description)
    {
        var result = EventParsers.Parse(Customers, Raw(value, MySqlKey), 1);
        Assert.False(result.IsRejected, result.Error);
        Assert.Empty(result.Events);
        Assert.Equal(HousekeepingKind.Tombstone, result.HousekeepingMessage?.Kind);
        Assert.Contains(description, result.HousekeepingMessage!.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"ts_ms":1588252618953}""", HousekeepingKind.Heartbeat, 1588252618953L)]
    [InlineData("""{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat"},"payload":{"ts_ms":1588252618953}}""", HousekeepingKind.Heartbeat, 1588252618953L)]
    [InlineData("""{"source":{"version":"2.7.0.Final","connector":"mysql","name":"mysql-server-1","ts_ms":1465581029000,"snapshot":"false","db":"inventory","table":"customers","server_id":223344,"file":"mysql-bin.000003","pos":3100,"row":0},"ts_ms":1465581029523,"databaseName":"inventory","schemaName":null,"ddl":"ALTER TABLE customers ADD COLUMN middle_name VARCHAR(2000)","tableChanges":[{"type":"ALTER","id":"\"inventory\".\"customers\"","table":{"primaryKeyColumnNames":["id"],"columns":[]}}]}""", HousekeepingKind.Ddl, 1465581029000L)]
    [InlineData("""{"schema":{"type":"struct","optional":false,"name":"io.debezium.connector.mysql.SchemaChangeValue"},"payload":{"source":{"connector":"mysql","name":"mysql-server-1","ts_ms":0,"file":"mysql-bin.000003","pos":154},"ts_ms":1465581029523,"databaseName":"inventory","ddl":"CREATE TABLE products (id INT PRIMARY KEY)","tableChanges":[]}}""", HousekeepingKind.Ddl, 1465581029523L)]
    [InlineData("""{"before":null,"after":null,"source":{"connector":"postgresql","name":"PostgreSQL_server","ts_ms":1559033904863,"db":"postgres","schema":"public","table":"customers","lsn":24023128},"op":"t","ts_ms":1559033904961}""", HousekeepingKind.Truncate, 1559033904863L)]
    [InlineData("""{"op":"m","ts_ms":1559033904961,"source":{"connector":"postgresql","name":"PostgreSQL_server","ts_ms":0,"db":"postgres","schema":"","table":"","lsn":46523128},"message":{"prefix":"foo","content":"Ymfy"}}""", HousekeepingKind.Other, 1559033904961L)]
    [InlineData("""{"status":"BEGIN","id":"571:53195829","ts_ms":1486500577125,"event_count":null,"data_collections":null}""", HousekeepingKind.TransactionMarker, 1486500577125L)]
    [InlineData("""{"status":"END","id":"571:53195829","ts_ms":1486500577691,"event_count":2,"data_collections":[{"data_collection":"s1.a","event_count":1},{"data_collection":"s2.a","event_count":1}]}""", HousekeepingKind.TransactionMarker, 1486500577691L)]
    public void Housekeeping_messages_are_recognised_with_their_time(string value, HousekeepingKind kind, long time)
    {
        var result = EventParsers.Parse(Customers, Raw(value), 1);
        Assert.False(result.IsRejected, result.Error);
        Assert.Empty(result.Events);
        Assert.Equal((kind, (long?)time), (result.HousekeepingMessage?.Kind, result.HousekeepingMessage?.Time));
    }

    [Fact]
    public void A_heartbeat_topic_is_housekeeping_whatever_its_payload_holds()
    {
        var result = EventParsers.Parse(Customers, Raw("""{"ts_ms":1588252618953,"extra":1}""") with { Position = new SourcePosition("__debezium-heartbeat.mysql-server-1", 0, 5) }, 1);
        Assert.Equal(HousekeepingKind.Heartbeat, result.HousekeepingMessage?.Kind);
    }

    [Theory]
    [InlineData("""{"after":{"id":1},"op":"c","ts_ms":1700000000500,"source":{"ts_ms":0}}""", 1700000000500L)]
    [InlineData("""{"after":{"id":1},"op":"c","ts_ms":0,"source":{"ts_ms":0}}""", 1_600_000_000_000L)]
    [InlineData("""{"after":{"id":1},"op":"c"}""", 1_600_000_000_000L)]
    [InlineData("""{"after":{"id":1},"op":"c","source":{}}""", 1_600_000_000_000L)]
    public void A_zero_or_absent_source_time_falls_back_to_the_envelope_then_the_kafka_timestamp(string json, long expected)
    {
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(json, null, 1_600_000_000_000), 1));
        Assert.Equal(expected, e.EventTime);
    }

    [Fact]
    public void Without_any_timestamp_the_ingest_time_is_used_never_1970()
    {
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw("""{"after":{"id":1},"op":"c","source":{"ts_ms":0}}""", null, 0), 1_700_000_000_123));
        Assert.Equal(1_700_000_000_123L, e.EventTime);
    }
}
