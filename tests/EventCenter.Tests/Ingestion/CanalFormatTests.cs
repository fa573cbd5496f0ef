using FeaturePlatform.EventCenter.Events;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>Canal flat messages as Canal's documentation describes them: typed values, ids, housekeeping, times.</summary>
public sealed class CanalFormatTests
{
    private static readonly SourceDefinition Accounts = Source(SourceFormat.Canal);

    private const string Types = """
        "mysqlType":{"id":"int(11)","name":"varchar(32)","balance":"decimal(10,2)","big":"bigint(20) unsigned","ratio":"double","flag":"tinyint(1)","born":"date","created":"datetime","photo":"blob","nothing":"int(11)","bad":"int(11)"},
        "sqlType":{"id":4,"name":12,"balance":3,"big":-5,"ratio":8,"flag":-6,"born":91,"created":93,"photo":2004,"nothing":4,"bad":4}
        """;

    private const string Row = """{"id":"1","name":"Alice","balance":"10.50","big":"18446744073709551615","ratio":"0.25","flag":"1","born":"2001-02-03","created":"2026-01-01 10:00:00","photo":"\u0001\u00ff","nothing":null,"bad":""}""";

    [Fact]
    public void Values_are_typed_by_sql_type_exactly_and_strings_dates_binary_and_nulls_stay_as_they_are()
    {
        var json = $$"""{"data":[{{Row}}],"database":"shop","es":1767225600000,"id":3,"isDdl":false,{{Types}},"old":null,"pkNames":["id"],"sql":"","table":"accounts","ts":1767225600123,"type":"INSERT"}""";
        var e = Single(EventParsers.Parse(Accounts, Raw(json), 1));
        Assert.Equal(
            """{"id":1,"name":"Alice","balance":10.50,"big":18446744073709551615,"ratio":0.25,"flag":1,"born":"2001-02-03","created":"2026-01-01 10:00:00","photo":"\u0001\u00FF","nothing":null,"bad":""}""",
            Text(e.After));
        Assert.Equal(("1", 1767225600000L), (e.EntityKey, e.EventTime));
        Assert.Equal(1, JsonNode.Parse(e.After!)!["id"]!.GetValue<int>());
    }

    [Fact]
    public void Updates_type_the_old_values_too_and_mysql_type_is_used_without_sql_type()
    {
        var json = """
            {"data":[{"id":"7","qty":"3","price":"19.99","score":"1.5e3","label":"x"}],"database":"shop","es":1767225601000,"id":4,"isDdl":false,
             "mysqlType":{"id":"bigint(20)","qty":"smallint(6)","price":"decimal(8,2)","score":"float","label":"char(1)"},
             "old":[{"qty":"2","price":"18.00"}],"pkNames":["id"],"table":"items","ts":1767225601005,"type":"UPDATE"}
            """;
        var e = Single(EventParsers.Parse(Accounts, Raw(json), 1));
        Assert.Equal("""{"id":7,"qty":3,"price":19.99,"score":1.5e3,"label":"x"}""", Text(e.After));
        Assert.Equal("""{"id":7,"qty":2,"price":18.00,"score":1.5e3,"label":"x"}""", Text(e.Before));
    }

    [Theory]
    [InlineData(16, "1", "true")]
    [InlineData(16, "0", "false")]
    [InlineData(-7, "1", "1")]
    [InlineData(3, "007.50", "7.50")]
    [InlineData(-5, "-9223372036854775809", "-9223372036854775809")]
    [InlineData(4, "12abc", "\"12abc\"")]
    [InlineData(8, "NaN", "\"NaN\"")]
    [InlineData(12, "42", "\"42\"")]
    [InlineData(-2, "101", "\"101\"")]
    public void Sql_type_codes_map_to_json_values(int sqlType, string value, string expected)
    {
        var json = $$"""{"data":[{"id":"1","v":"{{value}}"}],"database":"d","es":1,"id":1,"isDdl":false,"sqlType":{"id":4,"v":{{sqlType}}},"pkNames":["id"],"table":"t","ts":1,"type":"INSERT"}""";
        var e = Single(EventParsers.Parse(Accounts, Raw(json), 1));
        Assert.Equal("{\"id\":1,\"v\":" + expected + "}", Text(e.After));
    }

    [Fact]
    public void Ids_are_the_batch_id_and_zero_padded_row_index_and_a_producer_retry_gets_the_same_ids()
    {
        var rows = string.Join(',', Enumerable.Range(0, 12).Select(i => $$"""{"id":"{{i}}","v":"a"}"""));
        var json = $$"""{"data":[{{rows}}],"database":"shop","es":1767225600000,"id":42,"isDdl":false,"pkNames":["id"],"table":"t","ts":1767225600100,"type":"INSERT","gtid":"3E11FA47-71CA-11E1-9E33-C80AA9429562:23"}""";
        var first = EventParsers.Parse(Accounts, Raw(json), 1).Events;
        var retry = EventParsers.Parse(Accounts, Raw(json) with { Position = Position with { Offset = 77 } }, 1).Events;
        Assert.Equal(first.Select(e => e.EventId), retry.Select(e => e.EventId));
        Assert.Equal("canal:b42:3E11FA47-71CA-11E1-9E33-C80AA9429562:23:1767225600000:1767225600100:shop.t:INSERT:000002:2", first[2].EventId);
        // The event id is the last tie-break of the event key: a message's rows must sort in row order.
        Assert.Equal(first.Select(e => e.EventId), first.Select(e => e.EventId).Order(StringComparer.Ordinal));

        // Same content in another transaction of the same batch (another gtid), or in another batch: other ids.
        var otherTransaction = EventParsers.Parse(Accounts, Raw(json.Replace(":23\"", ":24\"", StringComparison.Ordinal)), 1).Events;
        var otherBatch = EventParsers.Parse(Accounts, Raw(json.Replace("\"id\":42", "\"id\":43", StringComparison.Ordinal)), 1).Events;
        Assert.Empty(first.Select(e => e.EventId).Intersect(otherTransaction.Select(e => e.EventId)));
        Assert.Empty(first.Select(e => e.EventId).Intersect(otherBatch.Select(e => e.EventId)));
    }

    [Fact]
    public void A_log_position_wins_and_without_an_id_the_bus_position_names_the_rows()
    {
        var positioned = """{"data":[{"id":"1"}],"database":"shop","es":1,"id":9,"isDdl":false,"pkNames":["id"],"table":"t","ts":1,"type":"DELETE","logfileName":"mysql-bin.000012","logfileOffset":4711}""";
        Assert.Equal("canal:mysql-bin.000012:4711:shop.t:000000:1", Single(EventParsers.Parse(Accounts, Raw(positioned), 1)).EventId);
        var anonymous = """{"data":[{"id":"1"},{"id":"2"}],"database":"shop","es":1,"id":0,"isDdl":false,"pkNames":["id"],"table":"t","ts":1,"type":"INSERT"}""";
        Assert.Equal(["@orders-topic/3/42:000000", "@orders-topic/3/42:000001"], EventParsers.Parse(Accounts, Raw(anonymous), 1).Events.Select(e => e.EventId));
    }

    [Fact]
    public void Rows_canal_split_across_partitions_by_partition_hash_keep_apart_ids()
    {
        // With canal.mq.partitionHash, Canal splits one multi-row statement into one message per Kafka partition: each
        // repeats the batch id, es, ts, table and type (no gtid) and numbers its own rows from 0. Rows 1 and 2 of one
        // UPDATE must not share an id (the second would become a conflict record, missing from its row's history).
        static string Part(int id, int oldM) =>
            $$"""{"data":[{"id":"{{id}}","m":"7"}],"database":"shop","es":1767225600000,"id":42,"isDdl":false,"mysqlType":{"id":"int(11)","m":"int(11)"},"old":[{"m":"{{oldM}}"}],"pkNames":["id"],"sql":"","sqlType":{"id":4,"m":4},"table":"t","ts":1767225600100,"type":"UPDATE"}""";
        var first = Single(EventParsers.Parse(Accounts, Raw(Part(1, 5)), 1));
        var second = Single(EventParsers.Parse(Accounts, Raw(Part(2, 6)) with { Position = Position with { Partition = 4, Offset = 9 } }, 1));
        Assert.NotEqual(first.EventId, second.EventId);
        // A producer retry of a part is still the same id, and a log position names each row too.
        Assert.Equal(first.EventId, Single(EventParsers.Parse(Accounts, Raw(Part(1, 5)) with { Position = Position with { Offset = 99 } }, 1)).EventId);
        static string Positioned(string part) => part.Replace("\"id\":42", "\"id\":42,\"logfileName\":\"mysql-bin.000012\",\"logfileOffset\":4711", StringComparison.Ordinal);
        Assert.NotEqual(Single(EventParsers.Parse(Accounts, Raw(Positioned(Part(1, 5))), 1)).EventId, Single(EventParsers.Parse(Accounts, Raw(Positioned(Part(2, 6))), 1)).EventId);
        // A long key is hashed so the id stays bounded; the row suffix stays readable (row order within a message).
        var longKey = Single(EventParsers.Parse(Accounts, Raw(Part(1, 5).Replace("\"id\":\"1\"", $"\"id\":\"{new string('k', 300)}\"", StringComparison.Ordinal)), 1)).EventId;
        Assert.True(longKey.Length <= EventIds.MaxLength && longKey.Contains(":UPDATE:000000:~", StringComparison.Ordinal), longKey);
    }

    [Theory]
    [InlineData("CREATE", true, HousekeepingKind.Ddl)]
    [InlineData("ALTER", true, HousekeepingKind.Ddl)]
    [InlineData("ERASE", true, HousekeepingKind.Ddl)]
    [InlineData("RENAME", true, HousekeepingKind.Ddl)]
    [InlineData("CINDEX", true, HousekeepingKind.Ddl)]
    [InlineData("DINDEX", true, HousekeepingKind.Ddl)]
    [InlineData("QUERY", false, HousekeepingKind.Ddl)]
    [InlineData("QUERY", true, HousekeepingKind.Ddl)]
    [InlineData("TRUNCATE", true, HousekeepingKind.Truncate)]
    [InlineData("GTID", false, HousekeepingKind.TransactionMarker)]
    [InlineData("MHEARTBEAT", false, HousekeepingKind.Heartbeat)]
    [InlineData("SOMETHING_NEW", true, HousekeepingKind.Ddl)]
    public void Ddl_truncate_and_markers_are_housekeeping(string type, bool isDdl, HousekeepingKind kind)
    {
        var json = $$"""{"data":null,"database":"shop","es":1767225600000,"id":5,"isDdl":{{(isDdl ? "true" : "false")}},"mysqlType":null,"old":null,"pkNames":null,"sql":"ALTER TABLE `shop`.`t` ADD COLUMN c INT","sqlType":null,"table":"t","ts":1767225600100,"type":"{{type}}"}""";
        var result = EventParsers.Parse(Accounts, Raw(json), 1);
        Assert.False(result.IsRejected, result.Error);
        Assert.Equal((kind, (long?)1767225600000), (result.HousekeepingMessage?.Kind, result.HousekeepingMessage?.Time));
    }

    [Theory]
    [InlineData("\"es\":0,\"ts\":1767225600100", 1767225600100L)]
    [InlineData("\"es\":0,\"ts\":0", 1_600_000_000_000L)]
    [InlineData("\"ts\":0", 1_600_000_000_000L)]
    public void A_zero_es_falls_back_to_ts_then_to_the_kafka_timestamp(string times, long expected)
    {
        var json = "{\"data\":[{\"id\":\"1\"}],\"database\":\"shop\"," + times + ",\"id\":1,\"isDdl\":false,\"pkNames\":[\"id\"],\"table\":\"t\",\"type\":\"INSERT\"}";
        Assert.Equal(expected, Single(EventParsers.Parse(Accounts, Raw(json, null, 1_600_000_000_000), 1)).EventTime);
    }
}
