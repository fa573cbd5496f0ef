using System.Text;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.SourceDb.Images;
using static FeaturePlatform.EventCenter.Tests.Ingestion.ParserTestData;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Debezium's default <c>decimal.handling.mode=precise</c> reaches a job as decimal text. The base64 literals are the
/// unscaled values as Java's <c>BigInteger.toByteArray</c> writes them (computed with Python's int.to_bytes, not here).
/// </summary>
public sealed class DebeziumDecimalTests
{
    /// <summary>A field of the row struct: DECIMAL(p,s) as the JSON converter prints its schema (parameters are strings).</summary>
    private static string DecimalField(string name, int scale, int precision) =>
        $$"""{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"{{scale}}","connect.decimal.precision":"{{precision}}"},"field":"{{name}}"}""";

    private const string RowFields = """[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"名前"},{"type":"bytes","optional":true,"field":"blob"}]""";

    /// <summary>A schema-wrapped change whose row struct holds <c>id</c>, a name, a binary column and <paramref name="decimals"/>.</summary>
    internal static string WithSchema(string before, string after, params string[] decimals)
    {
        var fields = RowFields[..^1] + string.Concat(decimals.Select(d => "," + d)) + "]";
        return $$$"""
            {"schema":{"type":"struct","fields":[{"type":"struct","fields":{{{fields}}},"optional":true,"name":"db.inv.accounts.Value","field":"before"},
                                                {"type":"struct","fields":{{{fields}}},"optional":true,"name":"db.inv.accounts.Value","field":"after"},
                                                {"type":"string","optional":false,"field":"op"}],"optional":false,"name":"db.inv.accounts.Envelope"},
             "payload":{"before":{{{before}}},"after":{{{after}}},
                        "source":{"connector":"mysql","name":"db","ts_ms":1700000000000,"server_id":1,"file":"bin.1","pos":7,"row":0},
                        "op":"u","ts_ms":1700000000000}}
            """;
    }

    [Fact]
    public void Precise_decimals_with_their_schema_are_stored_as_exact_decimal_text_and_other_values_as_sent()
    {
        var json = WithSchema(
            before: """{"id":1,"名前":"李","blob":"AYag","limit":"+x4=","zero":"AA==","big":"942AnJZVB8Ner9mLhQc4Dmlz+yrr","whole":"gA=="}""",
            after: """{"id":1,"名前":"李","blob":"AYag","limit":"AYag","zero":"AA==","big":"CHJ/Y2mq+DyhUCZ0evjH8ZaMBNUV","whole":"AIA="}""",
            DecimalField("limit", 2, 10), DecimalField("zero", 2, 10), DecimalField("big", 10, 50), DecimalField("whole", 0, 5));
        var e = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(json), 1));

        Assert.Equal("""{"id":1,"名前":"李","blob":"AYag","limit":"1000.00","zero":"0.00","big":"1234567890123456789012345678901234567890.0123456789","whole":"128"}""", Text(e.After));
        Assert.Equal("""{"id":1,"名前":"李","blob":"AYag","limit":"-12.50","zero":"0.00","big":"-1234567890123456789012345678901234567890.0123456789","whole":"-128"}""", Text(e.Before));
        Assert.Null(FieldTypes.Check(Source(SourceFormat.Debezium, "id") with { Fields = new Dictionary<string, FieldType> { ["big"] = FieldType.Decimal } }, [e]));
    }

    [Fact]
    public void Variable_scale_decimals_carry_their_scale_and_are_decoded_with_or_without_a_schema()
    {
        var bare = """{"before":null,"after":{"id":1,"ratio":{"scale":3,"value":"fQ=="},"tiny":{"scale":4,"value":"/w=="}},"op":"c","source":{"ts_ms":1,"connector":"postgresql","lsn":5,"txId":2}}""";
        Assert.Equal("""{"id":1,"ratio":"0.125","tiny":"-0.0001"}""", Text(Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(bare), 1)).After));

        var wrapped = WithSchema("null", """{"id":1,"ratio":{"scale":3,"value":"fQ=="}}""");
        Assert.Equal("""{"id":1,"ratio":"0.125"}""", Text(Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(wrapped), 1)).After));
    }

    [Fact]
    public void Without_a_schema_a_declared_decimal_in_the_precise_encoding_is_rejected_saying_what_to_configure()
    {
        var bare = """{"before":null,"after":{"id":1,"limit":"AYag"},"op":"c","source":{"ts_ms":1,"connector":"mysql","server_id":1,"file":"b","pos":1,"row":0}}""";
        var source = Source(SourceFormat.Debezium, "id") with { Fields = new Dictionary<string, FieldType> { ["limit"] = FieldType.Decimal } };
        var e = Single(EventParsers.Parse(source, Raw(bare), 1));

        var reason = FieldTypes.Check(source, [e]);
        Assert.NotNull(reason);
        Assert.Contains("field 'limit'", reason, StringComparison.Ordinal);
        Assert.Contains("decimal.handling.mode=string", reason, StringComparison.Ordinal);
        Assert.Contains("schemas.enable=true", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"scale":"x","connect.decimal.precision":"10"}""", "\"AYag\"", "not an integer")]
    [InlineData("""{"scale":"2","connect.decimal.precision":"10"}""", "\"not base64!\"", "is not base64")]
    [InlineData("""{"scale":"2000000000","connect.decimal.precision":"10"}""", "\"AYag\"", "outside")]
    public void A_decimal_that_cannot_be_decoded_is_rejected_naming_the_field(string parameters, string value, string expected)
    {
        var field = $$"""{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{{parameters}},"field":"limit"}""";
        var result = EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(WithSchema("null", $$"""{"id":1,"limit":{{value}}}""", field)), 1);
        Assert.True(result.IsRejected);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DecimalHandling.Precise)]
    [InlineData(DecimalHandling.String)]
    public void A_database_image_equals_what_ingestion_stored_for_the_same_row(DecimalHandling mode)
    {
        // decimal(10,2) 1000.00, PostgreSQL numeric without scale 0.125, as the driver reads them.
        var limit = new SourceColumnType("limit", "numeric", null, null, 2, null);
        var ratio = new SourceColumnType("ratio", "numeric", null, null, null, null);
        var id = new SourceColumnType("id", "integer", null, null, 0, null);
        var row = new SourceRow("1", [], null) { Values = [new(id, 1), new(limit, 1000.00m), new(ratio, 0.125m)] };
        var source = Source(SourceFormat.Debezium, "id") with { Mirror = new MirroredTable("db", "accounts", ["id"]) { DecimalHandling = mode } };
        var message = mode == DecimalHandling.Precise
            ? WithSchema("null", """{"id":1,"limit":"AYag","ratio":{"scale":3,"value":"fQ=="}}""", DecimalField("limit", 2, 10))
            : WithSchema("null", """{"id":1,"limit":"1000.00","ratio":"0.125"}""");

        var stored = Single(EventParsers.Parse(source, Raw(message), 1)).After;
        Assert.Equal(Text(stored), Text(CdcImages.For(source, row)));
    }

    [Fact]
    public void An_offline_correction_finds_the_database_row_the_same_as_the_ingested_precise_decimals()
    {
        // The correction run compares the driver's row (numbers) with the stored image; base64 stored as sent would
        // differ for every row with a decimal, and each would get a correction revision.
        var message = WithSchema("null", """{"id":1,"limit":"AYag","ratio":{"scale":3,"value":"fQ=="}}""", DecimalField("limit", 2, 10));
        var stored = Single(EventParsers.Parse(Source(SourceFormat.Debezium, "id"), Raw(message), 1)).After;
        Assert.True(RowComparer.Same(Encoding.UTF8.GetBytes("""{"id":1,"limit":1000.00,"ratio":0.125}"""), stored), Text(stored));
        Assert.False(RowComparer.Same(Encoding.UTF8.GetBytes("""{"id":1,"limit":1000.01,"ratio":0.125}"""), stored));
    }
}
