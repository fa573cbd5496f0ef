using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Turns the parts of a predicate that HBase can evaluate exactly on the stored bytes into a Thrift2
/// <c>filterString</c>. Feature values are stored as JSON text, so only byte equality is exact: <c>=</c>, <c>!=</c>
/// and <c>in</c> on booleans and on strings of plain ASCII (whose JSON form is unique), and the null tests. Numbers
/// (1, 1.0 and 1e0 are one value in three spellings), ordered comparisons (JSON text does not sort like numbers, and a
/// string's closing quote sorts before some characters), timestamps, <c>$updated</c> and <c>not</c> are not pushed.
/// The filter is a superset of the matches — an <c>and</c> keeps its pushable operands, an <c>or</c> is pushed only
/// when all of its operands are — and the engine evaluates the whole predicate on the rows that come back.
/// </summary>
public static class HBaseFilterTranslator
{
    /// <summary>The filter string for <paramref name="predicate"/>, or null when no part of it can be pushed down.</summary>
    public static string? Translate(Predicate predicate) => predicate switch
    {
        AllOf all => Join(all.Operands.Select(Translate).Where(f => f is not null).ToList()!, " AND "),
        AnyOf any => any.Operands.Count > 0 && any.Operands.Select(Translate).ToList() is var parts && parts.All(p => p is not null)
            ? Join(parts!, " OR ")
            : null,
        Comparison c => Leaf(c),
        _ => null,
    };

    private static string? Join(IReadOnlyList<string> parts, string separator) => parts.Count switch
    {
        0 => null,
        1 => parts[0],
        _ => string.Join(separator, parts.Select(p => $"({p})")),
    };

    private static string? Leaf(Comparison c)
    {
        if (c.Column == FeatureTable.UpdatedColumn || !IsPlain(c.Column))
        {
            return null;
        }
        switch (c.Op)
        {
            case Op.IsNull:
                // filterIfMissing=false: rows without the column pass, rows whose value is JSON null pass.
                return Filter(c.Column, "=", "null", ifMissing: false);
            case Op.IsNotNull:
                return Filter(c.Column, "!=", "null", ifMissing: true);
            case Op.Eq or Op.Ne:
                return Exact(c.Values[0]) is { } bytes ? Filter(c.Column, c.Op == Op.Eq ? "=" : "!=", bytes, ifMissing: true) : null;
            case Op.In:
                var values = c.Values.Select(Exact).ToList();
                return values.All(v => v is not null) ? Join(values.Select(v => Filter(c.Column, "=", v!, ifMissing: true)).ToList(), " OR ") : null;
            default:
                return null;
        }
    }

    /// <summary>The one JSON spelling of a literal, when it has only one; else null.</summary>
    private static string? Exact(Literal literal) => literal.Kind switch
    {
        ValueKind.Boolean => literal.Number != 0 ? "true" : "false",
        ValueKind.String when IsPlain(literal.Text!) => JsonSerializer.Serialize(literal.Text),
        _ => null,
    };

    /// <summary>Printable ASCII that no JSON writer escapes and the filter language needs no quoting for beyond doubled quotes.</summary>
    private static bool IsPlain(string text) =>
        text.All(ch => ch is >= ' ' and <= '~' and not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`'));

    private static string Filter(string column, string op, string json, bool ifMissing) =>
        $"SingleColumnValueFilter('{FeatureStore.FeatureFamily}', '{column}', {op}, 'binary:{json}', {(ifMissing ? "true" : "false")}, true)";

    /// <summary>The UTF-8 bytes of a filter string.</summary>
    public static byte[] Bytes(string filter) => Encoding.UTF8.GetBytes(filter);
}
