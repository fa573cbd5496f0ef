using System.Text.Json;
using FeaturePlatform.Runtime.Selection;

namespace FeaturePlatform.Runtime.Tests.Selection;

/// <summary>The predicate language: parsing, round trip, and errors that name the field and the fix.</summary>
public sealed class PredicateParserTests
{
    private static readonly SelectionSchema Schema = new(
        [new SchemaColumn("amount", [ValueKind.Number]), new SchemaColumn("country", [ValueKind.String]), new SchemaColumn("vip", [ValueKind.Boolean])], 10);

    [Fact]
    public void A_full_predicate_round_trips()
    {
        var json = """{"and":[{"column":"amount","op":">=","value":100},{"column":"country","op":"in","values":["CN","SG"]},{"not":{"column":"vip","op":"=","value":true}},{"column":"$updated","op":"between","values":[{"timestamp":"2026-01-01T00:00:00Z"},{"timestamp":1767312000000}]},{"or":[{"column":"country","op":"is_not_null"}]}]}""";
        var predicate = PredicateParser.Parse(JsonDocument.Parse(json).RootElement);
        PredicateValidator.Validate(predicate, Schema, "j");
        var again = PredicateParser.Parse(PredicateParser.ToJson(predicate));
        Assert.Equal(PredicateParser.ToJson(predicate).GetRawText(), PredicateParser.ToJson(again).GetRawText());
    }

    [Theory]
    [InlineData("""{"and":[{"column":"amount","op":"~","value":1}]}""", "predicate.and[0].op", "=, !=")]
    [InlineData("""{"column":"amount","op":"between","values":[1]}""", "predicate.values", "exactly two")]
    [InlineData("""{"column":"amount","op":"=","value":null}""", "predicate.value", "is_null")]
    [InlineData("""{"column":"amount","op":"in","values":[1,"a"]}""", "predicate.values", "one type")]
    [InlineData("""{"column":"vip","op":">","value":true}""", "predicate.op", "=, != and in")]
    [InlineData("""{"or":[{"column":"amount","op":"=","value":{"timestamp":"yesterday"}}]}""", "predicate.or[0].value.timestamp", "ISO 8601")]
    public void Bad_predicates_name_the_field(string json, string field, string hint)
    {
        var e = Assert.Throws<SelectionException>(() => PredicateParser.Parse(JsonDocument.Parse(json).RootElement));
        Assert.Equal(field, e.Field);
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"and":[{"column":"amout","op":">","value":1}]}""", "predicate.and[0].column", "amount, country, vip")]
    [InlineData("""{"column":"amount","op":">","value":"100"}""", "predicate.value", "holds numbers")]
    [InlineData("""{"column":"country","op":"in","values":[1,2]}""", "predicate.values", "holds strings")]
    public void Predicates_that_do_not_fit_the_columns_name_the_field(string json, string field, string hint)
    {
        var predicate = PredicateParser.Parse(JsonDocument.Parse(json).RootElement);
        var e = Assert.Throws<SelectionException>(() => PredicateValidator.Validate(predicate, Schema, "j"));
        Assert.Equal(field, e.Field);
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pushdown_keeps_only_exact_byte_comparisons()
    {
        var predicate = PredicateParser.Parse(JsonDocument.Parse(
            """{"and":[{"column":"country","op":"in","values":["CN","SG"]},{"column":"amount","op":">","value":1},{"column":"vip","op":"is_null"},{"or":[{"column":"country","op":"=","value":"US"},{"column":"amount","op":"=","value":3}]}]}""").RootElement);
        Assert.Equal(
            "((SingleColumnValueFilter('f', 'country', =, 'binary:\"CN\"', true, true)) OR (SingleColumnValueFilter('f', 'country', =, 'binary:\"SG\"', true, true)))"
            + " AND (SingleColumnValueFilter('f', 'vip', =, 'binary:null', false, true))",
            HBaseFilterTranslator.Translate(predicate));
    }
}
