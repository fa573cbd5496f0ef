using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ConnectorStreams;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Sample connector output written from each connector's documentation (not copied): message shapes, keys and
/// headers as the connector (or kcat replaying its topic) produces them.
/// </summary>
internal static class ConnectorStreams
{
    /// <summary>2026-01-01T00:00:00Z. Binlog timestamps have 1-second resolution: repeats in one second share it.</summary>
    public const long T = 1_767_225_600_000;

    public static OutgoingMessage Message(string? key, string value, params (string Name, string Value)[] headers) =>
        new(key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value),
            headers.Select(h => new KeyValuePair<string, byte[]>(h.Name, Encoding.UTF8.GetBytes(h.Value))).ToList());

    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Debezium MySQL connector: snapshot, binlog changes, schema changes, heartbeats, tombstones, transaction markers.</summary>
internal sealed class DebeziumMySqlStream
{
    private const string ValueSchema = """{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"int32","optional":true,"field":"m"}],"optional":true,"name":"mysql-server-1.inventory.customers.Value","field":"before"},{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"int32","optional":true,"field":"m"}],"optional":true,"name":"mysql-server-1.inventory.customers.Value","field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"table"},{"type":"int64","optional":false,"field":"server_id"},{"type":"string","optional":false,"field":"file"},{"type":"int64","optional":false,"field":"pos"},{"type":"int32","optional":false,"field":"row"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"mysql-server-1.inventory.customers.Envelope"}""";

    private readonly ConnectorLog log = new();
    private readonly List<OutgoingMessage> resendable = [];

    public ConnectorLog Build()
    {
        // Initial snapshot: every row at the binlog position the snapshot started from; source.ts_ms is 0 here.
        Change("r", 1001, null, """{"id":1001,"m":5}""", pos: 154, row: 0, sourceTs: 0, envelopeTs: T - 60_000, snapshot: "first", expectedTime: T - 60_000);
        Change("r", 1002, null, """{"id":1002,"m":1}""", pos: 154, row: 0, sourceTs: 0, envelopeTs: T - 60_000, snapshot: "true", expectedTime: T - 60_000);
        Change("r", 1003, null, """{"id":1003,"m":1}""", pos: 154, row: 0, sourceTs: 0, envelopeTs: T - 60_000, snapshot: "last", expectedTime: T - 60_000);
        log.Housekept(HousekeepingKind.Ddl, ConnectorStreams.Message("""{"databaseName":"inventory"}""",
            $$$"""{"schema":{"type":"struct","optional":false,"name":"io.debezium.connector.mysql.SchemaChangeValue"},"payload":{"source":{"version":"2.7.0.Final","connector":"mysql","name":"mysql-server-1","ts_ms":{{{T}}},"snapshot":"false","db":"inventory","table":"customers","server_id":223344,"file":"mysql-bin.000003","pos":300,"row":0},"ts_ms":{{{T + 20}}},"databaseName":"inventory","schemaName":null,"ddl":"ALTER TABLE customers ADD COLUMN m INT","tableChanges":[{"type":"ALTER","id":"\"inventory\".\"customers\"","table":{"defaultCharsetName":"utf8mb4","primaryKeyColumnNames":["id"],"columns":[{"name":"id","jdbcType":4,"typeName":"INT","position":1,"optional":false},{"name":"m","jdbcType":4,"typeName":"INT","position":2,"optional":true}]}}]}}"""));
        log.Housekept(HousekeepingKind.Heartbeat, ConnectorStreams.Message("""{"serverName":"mysql-server-1"}""", $$$"""{"ts_ms":{{{T + 1}}}}"""), heartbeatTopic: true);
        log.Housekept(HousekeepingKind.Heartbeat, ConnectorStreams.Message("""{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.ServerNameKey"},"payload":{"serverName":"mysql-server-1"}}""",
            $$$"""{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat"},"payload":{"ts_ms":{{{T + 2}}}}}"""), heartbeatTopic: true);

        // m flips 5 → 6 → 5 → 6 within one second (three transactions).
        Change("u", 1001, """{"id":1001,"m":5}""", """{"id":1001,"m":6}""", pos: 400);
        Transaction("BEGIN", "file=mysql-bin.000003,pos=650");
        Change("u", 1001, """{"id":1001,"m":6}""", """{"id":1001,"m":5}""", pos: 700, resend: true);
        Transaction("END", "file=mysql-bin.000003,pos=650");
        Change("u", 1001, """{"id":1001,"m":5}""", """{"id":1001,"m":6}""", pos: 1000, resend: true);

        // Row 1002 deleted, re-inserted with the same values, deleted and re-inserted again: all in one second.
        Change("d", 1002, """{"id":1002,"m":1}""", null, pos: 1300, resend: true);
        Tombstone(1002, "", resend: true);
        Change("c", 1002, null, """{"id":1002,"m":1}""", pos: 1600, resend: true);
        Change("d", 1002, """{"id":1002,"m":1}""", null, pos: 1900, resend: true);
        Tombstone(1002, "null", resend: true);
        Change("c", 1002, null, """{"id":1002,"m":1}""", pos: 2200, resend: true);

        // One INSERT of two rows: one binlog rows event, rows 0 and 1.
        Change("c", 2004, null, """{"id":2004,"m":0}""", pos: 2500, row: 0);
        Change("c", 2005, null, """{"id":2005,"m":0}""", pos: 2500, row: 1);

        // Tombstones as the tutorial prints them (schemas enabled) and with a payload only.
        Change("d", 1003, """{"id":1003,"m":1}""", null, pos: 2800);
        Tombstone(1003, """{"schema":null,"payload":null}""");
        Tombstone(1003, """{"payload":null}""");

        log.Resends.AddRange(resendable);
        return log;
    }

    private void Change(string op, int id, string? before, string? after, long pos, int row = 0, long sourceTs = T, long envelopeTs = T + 300, string snapshot = "false", long? expectedTime = null, bool resend = false)
    {
        var source = $$$"""{"version":"2.7.0.Final","connector":"mysql","name":"mysql-server-1","ts_ms":{{{sourceTs}}},"snapshot":"{{{snapshot}}}","db":"inventory","sequence":null,"table":"customers","server_id":223344,"gtid":null,"file":"mysql-bin.000003","pos":{{{pos}}},"row":{{{row}}},"thread":7,"query":null}""";
        var payload = $$$"""{"before":{{{before ?? "null"}}},"after":{{{after ?? "null"}}},"source":{{{source}}},"op":"{{{op}}}","ts_ms":{{{envelopeTs}}},"transaction":null}""";
        // Some messages with schemas enabled (the JSON converter's default), some without: both exist in the wild.
        var withSchema = pos % 600 < 300;
        var value = withSchema ? $$$"""{"schema":{{{ValueSchema}}},"payload":{{{payload}}}}""" : payload;
        var key = withSchema
            ? $$$"""{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"mysql-server-1.inventory.customers.Key"},"payload":{"id":{{{id}}}}}"""
            : $$$"""{"id":{{{id}}}}""";
        var message = ConnectorStreams.Message(key, value, ("__debezium.context.connectorName", "inventory-connector"), ("traceparent", $"00-{pos:x32}-{row + 1:x16}-01"));
        var operation = op switch { "c" => EventOperation.Insert, "u" => EventOperation.Update, "d" => EventOperation.Delete, _ => EventOperation.SnapshotRead };
        log.Change(ConnectorStreams.N(id), operation, (operation == EventOperation.Delete ? before : after)!, expectedTime ?? sourceTs, message);
        if (resend)
        {
            resendable.Add(message);
        }
    }

    private void Tombstone(int id, string value, bool resend = false)
    {
        var message = ConnectorStreams.Message($$$"""{"id":{{{id}}}}""", value);
        log.Housekept(HousekeepingKind.Tombstone, message);
        if (resend)
        {
            resendable.Add(message);
            log.Housekeeping[HousekeepingKind.Tombstone]++;
        }
    }

    private void Transaction(string status, string id) =>
        log.Housekept(HousekeepingKind.TransactionMarker, ConnectorStreams.Message($$$"""{"id":"{{{id}}}"}""",
            status == "BEGIN"
                ? $$$"""{"status":"BEGIN","id":"{{{id}}}","ts_ms":{{{T}}},"event_count":null,"data_collections":null}"""
                : $$$"""{"status":"END","id":"{{{id}}}","ts_ms":{{{T}}},"event_count":1,"data_collections":[{"data_collection":"inventory.customers","event_count":1}]}"""));
}

/// <summary>Debezium PostgreSQL connector (schemas disabled): WAL changes, a logical-decoding message, a truncate, heartbeats.</summary>
internal sealed class DebeziumPostgresStream
{
    private readonly ConnectorLog log = new();

    public ConnectorLog Build()
    {
        Change("r", 3, null, """{"id":3,"m":7}""", lsn: 900, tx: 499, sourceTs: 0, snapshot: "last", expectedTime: T - 1000);
        Change("c", 1, null, """{"id":1,"m":5}""", lsn: 1000, tx: 500);
        Change("u", 1, """{"id":1,"m":5}""", """{"id":1,"m":6}""", lsn: 1100, tx: 501);
        Change("u", 1, """{"id":1,"m":6}""", """{"id":1,"m":5}""", lsn: 1200, tx: 502);
        Change("u", 1, """{"id":1,"m":5}""", """{"id":1,"m":6}""", lsn: 1300, tx: 503);
        Change("c", 2, null, """{"id":2,"m":0}""", lsn: 1400, tx: 504);
        Change("d", 2, """{"id":2,"m":0}""", null, lsn: 1500, tx: 505);
        log.Housekept(HousekeepingKind.Tombstone, ConnectorStreams.Message("""{"id":2}""", """{"schema":null,"payload":null}"""));
        Change("c", 2, null, """{"id":2,"m":0}""", lsn: 1600, tx: 506);
        log.Housekept(HousekeepingKind.Other, ConnectorStreams.Message(null,
            $$$"""{"op":"m","ts_ms":{{{T + 50}}},"source":{"version":"2.7.0.Final","connector":"postgresql","name":"pg-server","ts_ms":0,"snapshot":"false","db":"bank","sequence":"[null,\"1700\"]","schema":"","table":"","txId":null,"lsn":1700,"xmin":null},"message":{"prefix":"audit","content":"aGVsbG8="}}"""));
        log.Housekept(HousekeepingKind.Truncate, ConnectorStreams.Message(null,
            $$$"""{"before":null,"after":null,"source":{"version":"2.7.0.Final","connector":"postgresql","name":"pg-server","ts_ms":{{{T}}},"snapshot":"false","db":"bank","sequence":"[\"1700\",\"1800\"]","schema":"public","table":"audit_log","txId":507,"lsn":1800,"xmin":null},"op":"t","ts_ms":{{{T + 60}}},"transaction":null}"""));
        log.Housekept(HousekeepingKind.Heartbeat, ConnectorStreams.Message("""{"serverName":"pg-server"}""", $$$"""{"ts_ms":{{{T + 1000}}}}"""), heartbeatTopic: true);
        log.Housekept(HousekeepingKind.Heartbeat, ConnectorStreams.Message("""{"serverName":"pg-server"}""", $$$"""{"ts_ms":{{{T + 2000}}}}"""), heartbeatTopic: true);

        // The replication slot was not flushed before a restart: the connector streams every change again.
        log.Resends.AddRange(log.Messages.Where(m => m.Value.Length > 0 && Encoding.UTF8.GetString(m.Value).Contains("\"after\":{", StringComparison.Ordinal)
            || Encoding.UTF8.GetString(m.Value).Contains("\"op\":\"d\"", StringComparison.Ordinal)));
        return log;
    }

    private void Change(string op, int id, string? before, string? after, long lsn, long tx, long sourceTs = T, string snapshot = "false", long? expectedTime = null)
    {
        var value = $$$"""{"before":{{{before ?? "null"}}},"after":{{{after ?? "null"}}},"source":{"version":"2.7.0.Final","connector":"postgresql","name":"pg-server","ts_ms":{{{sourceTs}}},"snapshot":"{{{snapshot}}}","db":"bank","sequence":"[\"{{{lsn - 100}}}\",\"{{{lsn}}}\"]","schema":"public","table":"accounts","txId":{{{tx}}},"lsn":{{{lsn}}},"xmin":null},"op":"{{{op}}}","ts_ms":{{{(sourceTs == 0 ? T - 1000 : T + 400)}}},"transaction":null}""";
        var operation = op switch { "c" => EventOperation.Insert, "u" => EventOperation.Update, "d" => EventOperation.Delete, _ => EventOperation.SnapshotRead };
        log.Change(ConnectorStreams.N(id), operation, (operation == EventOperation.Delete ? before : after)!, expectedTime ?? sourceTs,
            ConnectorStreams.Message($$$"""{"id":{{{id}}}}""", value));
    }
}

/// <summary>Canal flat messages on one partition (Canal's default), batches holding several transactions, producer retries.</summary>
internal sealed class CanalStream
{
    private const string Types = """
        "sqlType":{"id":4,"m":4,"price":3,"name":12},"mysqlType":{"id":"int(11)","m":"int(11)","price":"decimal(10,2)","name":"varchar(32)"}
        """;

    private readonly ConnectorLog log = new();
    private readonly List<OutgoingMessage> retried = [];

    public ConnectorLog Build()
    {
        Dml(1, 1, "INSERT", [(1, 5)], null);
        Dml(2, 2, "UPDATE", [(1, 6)], [5], retry: true);
        Dml(2, 3, "UPDATE", [(1, 5)], [6], retry: true);
        Dml(3, 4, "UPDATE", [(1, 6)], [5], retry: true);
        Dml(4, 5, "INSERT", [(2, 0)], null, retry: true);
        Dml(4, 6, "DELETE", [(2, 0)], null, retry: true);
        Dml(5, 7, "INSERT", [(2, 0)], null, retry: true);
        Dml(6, 8, "INSERT", [(3, 1), (4, 1)], null);
        // One UPDATE of rows 3 and 4 as canal.mq.partitionHash sends it: a message per partition, same header, no gtid.
        Dml(10, null, "UPDATE", [(3, 2)], [1], retry: true);
        Dml(10, null, "UPDATE", [(4, 2)], [1]);
        Ddl(7, "CREATE", isDdl: true, "CREATE TABLE `audit_log` (`id` int primary key)", HousekeepingKind.Ddl);
        Ddl(7, "ALTER", isDdl: true, "ALTER TABLE `orders` ADD COLUMN `note` varchar(64)", HousekeepingKind.Ddl);
        Ddl(8, "QUERY", isDdl: false, "GRANT SELECT ON shop.* TO 'reader'@'%'", HousekeepingKind.Ddl);
        Ddl(8, "TRUNCATE", isDdl: true, "TRUNCATE TABLE `audit_log`", HousekeepingKind.Truncate);
        Dml(9, 9, "INSERT", [(5, 2)], null, es: 0, ts: T + 5);
        log.Resends.AddRange(retried);
        return log;
    }

    private void Dml(int batch, int? transaction, string type, (int Id, int M)[] rows, int[]? oldM, bool retry = false, long es = T, long ts = T + 120)
    {
        static string Row(int id, int m) => $$$"""{"id":"{{{id}}}","m":"{{{m}}}","price":"{{{m}}}.50","name":"row {{{id}}}"}""";
        var data = string.Join(',', rows.Select(r => Row(r.Id, r.M)));
        var old = oldM is null ? "null" : "[" + string.Join(',', oldM.Select(m => $$$"""{"m":"{{{m}}}","price":"{{{m}}}.50"}""")) + "]";
        var value = $$$"""{"data":[{{{data}}}],"database":"shop","es":{{{es}}},{{{(transaction is null ? "" : $"\"gtid\":\"3E11FA47-71CA-11E1-9E33-C80AA9429562:{transaction}\",")}}}"id":{{{batch}}},"isDdl":false,{{{Types}}},"old":{{{old}}},"pkNames":["id"],"sql":"","table":"orders","ts":{{{ts}}},"type":"{{{type}}}"}""";
        var message = ConnectorStreams.Message(null, value, ("canal-destination", "example"));
        log.Messages.Add(message);
        var operation = type switch { "INSERT" => EventOperation.Insert, "UPDATE" => EventOperation.Update, _ => EventOperation.Delete };
        foreach (var (id, m) in rows)
        {
            log.Expect(ConnectorStreams.N(id), operation, $$$"""{"id":{{{id}}},"m":{{{m}}},"price":{{{m}}}.50,"name":"row {{{id}}}"}""", es > 0 ? es : ts);
        }
        if (retry)
        {
            retried.Add(message);
        }
    }

    private void Ddl(int batch, string type, bool isDdl, string sql, HousekeepingKind kind) =>
        log.Housekept(kind, ConnectorStreams.Message(null,
            $$$"""{"data":null,"database":"shop","es":{{{T}}},"id":{{{batch}}},"isDdl":{{{(isDdl ? "true" : "false")}}},"mysqlType":null,"old":null,"pkNames":null,"sql":"{{{sql}}}","sqlType":null,"table":"audit_log","ts":{{{T + 130}}},"type":"{{{type}}}"}"""));
}

/// <summary>
/// Maxwell: one instance with output_binlog_position and output_xoffset, one with output_xoffset only, one with the
/// defaults (xid and commit only); keys in Maxwell's default JSON-hash and array formats; DDL, bootstrap, heartbeat.
/// </summary>
internal sealed class MaxwellStream
{
    private const long Seconds = T / 1000;

    private readonly ConnectorLog log = new();
    private readonly List<OutgoingMessage> resent = [];

    public ConnectorLog Build()
    {
        Row("insert", 4, 5, null, """ "position":"master.000003:1000","xid":100,"commit":true""");
        Row("update", 4, 6, 5, """ "position":"master.000003:1300","xid":101,"commit":true""");
        Row("update", 4, 5, 6, """ "position":"master.000003:1600","xid":102,"commit":true""", resend: true);
        Row("update", 4, 6, 5, """ "position":"master.000003:1900","xid":103,"commit":true""", resend: true);

        // One transaction: insert, delete and re-insert of row 7 (same values), keyed in the array key format.
        Row("insert", 7, 1, null, """ "position":"master.000003:2200","xid":104,"xoffset":0""", resend: true, arrayKey: true);
        Row("delete", 7, 1, null, """ "position":"master.000003:2400","xid":104,"xoffset":1""", resend: true, arrayKey: true);
        Row("insert", 7, 1, null, """ "position":"master.000003:2600","xid":104,"commit":true""", resend: true, arrayKey: true);

        Housekeeping(HousekeepingKind.Ddl, $$$"""{"type":"table-create","database":"shop","table":"coupons","def":{"database":"shop","charset":"utf8mb4","table":"coupons","columns":[{"type":"int","name":"id","signed":true}],"primary-key":["id"]},"ts":{{{Seconds}}},"sql":"create table coupons (id int primary key)","position":"master.000003:2900"}""");
        Housekeeping(HousekeepingKind.Ddl, $$$"""{"type":"table-alter","database":"shop","table":"orders","old":{"database":"shop","charset":"utf8mb4","table":"orders","columns":[{"type":"int","name":"id","signed":true}],"primary-key":["id"]},"def":{"database":"shop","charset":"utf8mb4","table":"orders","columns":[{"type":"int","name":"id","signed":true},{"type":"int","name":"m","signed":true}],"primary-key":["id"]},"ts":{{{Seconds}}},"sql":"alter table orders add column m int","position":"master.000003:3100"}""");
        Housekeeping(HousekeepingKind.Ddl, $$$"""{"type":"database-create","database":"reporting","def":{"database":"reporting","charset":"utf8mb4"},"ts":{{{Seconds}}},"sql":"create database reporting","position":"master.000003:3300"}""");
        Housekeeping(HousekeepingKind.BootstrapMarker, $$$"""{"database":"shop","table":"orders","type":"bootstrap-start","ts":{{{Seconds + 10}}},"data":{}}""");
        // A bootstrap row stamped 0: its time is the Kafka timestamp, never 1970.
        Row("bootstrap-insert", 8, 3, null, """ "ts_note":"no position" """, ts: 0);
        Housekeeping(HousekeepingKind.BootstrapMarker, $$$"""{"database":"shop","table":"orders","type":"bootstrap-complete","ts":{{{Seconds + 11}}},"data":{}}""");
        Housekeeping(HousekeepingKind.Heartbeat, $$$"""{"database":"maxwell","table":"heartbeats","type":"heartbeat","ts":{{{Seconds + 12}}},"xid":1,"commit":true,"data":{"heartbeat":{{{T + 12_000}}}}}""");

        // Another Maxwell with output_xoffset but no binlog position: xid + xoffset (commit on the last row).
        Row("insert", 10, 1, null, """ "xid":200,"xoffset":0""", resend: true);
        Row("update", 10, 2, 1, """ "xid":200,"xoffset":1""", resend: true);
        Row("update", 10, 1, 2, """ "xid":200,"commit":true""", resend: true);

        // Maxwell's defaults (xid, commit on the last row only): the bus position names the first row.
        Row("insert", 11, 1, null, """ "xid":300""");
        Row("update", 11, 2, 1, """ "xid":300,"commit":true""");

        log.Resends.AddRange(resent);
        return log;
    }

    private void Row(string type, int id, int m, int? oldM, string positionFields, bool resend = false, bool arrayKey = false, long ts = Seconds)
    {
        var old = oldM is { } o ? $$$""","old":{"m":{{{o}}}}""" : "";
        var value = $$$"""{"database":"shop","table":"orders","type":"{{{type}}}","ts":{{{ts}}},{{{positionFields.Trim()}}},"data":{"id":{{{id}}},"m":{{{m}}}}{{{old}}}}""";
        var key = arrayKey ? $$$"""["shop","orders",[{"id":{{{id}}}}]]""" : $$$"""{"database":"shop","table":"orders","pk.id":{{{id}}}}""";
        var message = ConnectorStreams.Message(key, value);
        var operation = type switch { "insert" => EventOperation.Insert, "update" => EventOperation.Update, "delete" => EventOperation.Delete, _ => EventOperation.SnapshotRead };
        log.Change(ConnectorStreams.N(id), operation, $$$"""{"id":{{{id}}},"m":{{{m}}}}""", ts > 0 ? ts * 1000 : null, message);
        if (resend)
        {
            resent.Add(message);
        }
    }

    private void Housekeeping(HousekeepingKind kind, string value) =>
        log.Housekept(kind, ConnectorStreams.Message("""{"database":"shop"}""", value));
}
