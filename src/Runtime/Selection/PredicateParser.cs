using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Reads the JSON predicate language (docs/selection.md): <c>{"and": [...]}</c>, <c>{"or": [...]}</c>, <c>{"not": p}</c>
/// and comparisons <c>{"column": "amount", "op": "&gt;=", "value": 100}</c>, <c>"op": "between", "values": [lo, hi]</c>,
/// <c>"op": "in", "values": [...]</c>, <c>"op": "is_null"</c> / <c>"is_not_null"</c>. Values are JSON numbers, strings,
/// booleans or <c>{"timestamp": "2026-01-01T00:00:00Z"}</c> (or ms since the Unix epoch). Every error names the field.
/// </summary>
public static class PredicateParser
{
    /// <summary>Deepest nesting accepted.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most comparisons in one predicate (IN values count one each).</summary>
    public const int MaxTerms = 10_000;

    private static readonly Dictionary<string, Op> Ops = new(StringComparer.OrdinalIgnoreCase)
    {
        ["="] = Op.Eq, ["=="] = Op.Eq, ["!="] = Op.Ne, ["<>"] = Op.Ne, ["<"] = Op.Lt, ["<="] = Op.Le, [">"] = Op.Gt, [">="] = Op.Ge,
        ["between"] = Op.Between, ["in"] = Op.In, ["is_null"] = Op.IsNull, ["is_not_null"] = Op.IsNotNull,
    };

    /// <summary>The operators' spellings, for messages.</summary>
    public const string OpList = "=, !=, <, <=, >, >=, between, in, is_null, is_not_null";

    /// <summary>Parses <paramref name="json"/> (at request path <paramref name="path"/>).</summary>
    /// <exception cref="SelectionException">Not a predicate; the message names the field and the fix.</exception>
    public static Predicate Parse(JsonElement json, string path = "predicate")
    {
        var terms = 0;
        return Parse(json, path, 0, ref terms);
    }

    private static Predicate Parse(JsonElement json, string path, int depth, ref int terms)
    {
        if (depth > MaxDepth)
        {
            throw new SelectionException(path, $"The predicate nests deeper than {MaxDepth} levels; flatten it (and/or take lists).");
        }
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new SelectionException(path, "A predicate is a JSON object: {\"and\": [...]}, {\"or\": [...]}, {\"not\": {...}} or {\"column\": \"c\", \"op\": \">=\", \"value\": 1}.");
        }
        if (json.TryGetProperty("and", out var and))
        {
            Only(json, path, "and");
            return new AllOf(List(and, path + ".and", depth, ref terms));
        }
        if (json.TryGetProperty("or", out var or))
        {
            Only(json, path, "or");
            return new AnyOf(List(or, path + ".or", depth, ref terms));
        }
        if (json.TryGetProperty("not", out var not))
        {
            Only(json, path, "not");
            return new Not(Parse(not, path + ".not", depth + 1, ref terms));
        }
        return Leaf(json, path, ref terms);
    }

    private static List<Predicate> List(JsonElement array, string path, int depth, ref int terms)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new SelectionException(path, "Give a JSON array of predicates.");
        }
        var list = new List<Predicate>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            list.Add(Parse(item, $"{path}[{i++}]", depth + 1, ref terms));
        }
        return list;
    }

    private static void Only(JsonElement json, string path, string name)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name != name)
            {
                throw new SelectionException($"{path}.{property.Name}", $"'{name}' stands alone in its object; move '{property.Name}' into an operand.");
            }
        }
    }

    private static Comparison Leaf(JsonElement json, string path, ref int terms)
    {
        string? column = null;
        string? opText = null;
        JsonElement? value = null;
        JsonElement? values = null;
        foreach (var property in json.EnumerateObject())
        {
            switch (property.Name)
            {
                case "column" when property.Value.ValueKind == JsonValueKind.String:
                    column = property.Value.GetString();
                    break;
                case "column":
                    throw new SelectionException(path + ".column", "column must be a string naming a feature column (or \"$updated\").");
                case "op" when property.Value.ValueKind == JsonValueKind.String:
                    opText = property.Value.GetString();
                    break;
                case "op":
                    throw new SelectionException(path + ".op", $"op must be a string, one of {OpList}.");
                case "value":
                    value = property.Value;
                    break;
                case "values":
                    values = property.Value;
                    break;
                default:
                    throw new SelectionException($"{path}.{property.Name}",
                        $"Unknown field '{property.Name}'; a comparison has column, op and value (or values for between/in), a group has and/or/not.");
            }
        }
        if (string.IsNullOrEmpty(column))
        {
            throw new SelectionException(path + ".column", "Name the feature column to compare (\"column\": \"...\"), or use and/or/not.");
        }
        if (opText is null || !Ops.TryGetValue(opText, out var op))
        {
            throw new SelectionException(path + ".op", $"Unknown operator '{opText}'; use one of {OpList}.");
        }
        List<Literal> literals;
        switch (op)
        {
            case Op.IsNull or Op.IsNotNull:
                if (value is not null || values is not null)
                {
                    throw new SelectionException(path + (value is not null ? ".value" : ".values"), $"'{opText}' takes no value; remove it.");
                }
                literals = [];
                break;
            case Op.Between or Op.In:
                if (value is not null)
                {
                    throw new SelectionException(path + ".value", $"'{opText}' takes \"values\": " + (op == Op.Between ? "[low, high]." : "[v1, v2, ...]."));
                }
                if (values is not { ValueKind: JsonValueKind.Array } array)
                {
                    throw new SelectionException(path + ".values", $"'{opText}' needs \"values\": " + (op == Op.Between ? "[low, high]." : "a non-empty array."));
                }
                literals = [];
                var i = 0;
                foreach (var item in array.EnumerateArray())
                {
                    literals.Add(ParseLiteral(item, $"{path}.values[{i++}]"));
                }
                if (op == Op.Between && literals.Count != 2)
                {
                    throw new SelectionException(path + ".values", $"'between' needs exactly two values [low, high]; got {literals.Count}.");
                }
                if (op == Op.In && literals.Count == 0)
                {
                    throw new SelectionException(path + ".values", "'in' needs at least one value.");
                }
                if (literals.Select(l => l.Kind).Distinct().Count() > 1)
                {
                    throw new SelectionException(path + ".values", $"The values of '{opText}' must all be of one type (numbers, strings, booleans or timestamps).");
                }
                break;
            default:
                if (values is not null)
                {
                    throw new SelectionException(path + ".values", $"'{opText}' takes one \"value\"; \"values\" is for between and in.");
                }
                if (value is not { } single)
                {
                    throw new SelectionException(path + ".value", $"'{opText}' needs a \"value\": a number, string, boolean or {{\"timestamp\": \"2026-01-01T00:00:00Z\"}}.");
                }
                literals = [ParseLiteral(single, path + ".value")];
                break;
        }
        terms += Math.Max(1, literals.Count);
        if (terms > MaxTerms)
        {
            throw new SelectionException(path, $"The predicate has more than {MaxTerms} terms; split it or save the keys elsewhere.");
        }
        if (literals.Count > 0 && literals[0].Kind == ValueKind.Boolean && op is not (Op.Eq or Op.Ne or Op.In))
        {
            throw new SelectionException(path + ".op", $"Booleans compare only with =, != and in; '{opText}' does not apply.");
        }
        return new Comparison(column, op, literals);
    }

    /// <summary>Reads one typed value.</summary>
    public static Literal ParseLiteral(JsonElement json, string path)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Number:
                var number = json.GetDouble();
                if (!double.IsFinite(number))
                {
                    throw new SelectionException(path, "The number is out of range.");
                }
                return Literal.Of(number);
            case JsonValueKind.String:
                return Literal.Of(json.GetString()!);
            case JsonValueKind.True or JsonValueKind.False:
                return Literal.Of(json.GetBoolean());
            case JsonValueKind.Object when json.TryGetProperty("timestamp", out var ts) && json.EnumerateObject().Count() == 1:
                if (ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var ms))
                {
                    return Literal.Time(ms);
                }
                if (ts.ValueKind == JsonValueKind.String && CellValue.TryParseTimestamp(ts.GetString()!, out var parsed))
                {
                    return Literal.Time(parsed);
                }
                throw new SelectionException(path + ".timestamp", "A timestamp is an ISO 8601 date-time (\"2026-01-01T00:00:00Z\") or ms since the Unix epoch.");
            case JsonValueKind.Null:
                throw new SelectionException(path, "null is not a value to compare with; use \"op\": \"is_null\" or \"is_not_null\".");
            default:
                throw new SelectionException(path, "A value is a number, a string, a boolean or {\"timestamp\": \"2026-01-01T00:00:00Z\"}.");
        }
    }

    /// <summary>The operator's spelling.</summary>
    public static string Spell(Op op) => op switch
    {
        Op.Eq => "=", Op.Ne => "!=", Op.Lt => "<", Op.Le => "<=", Op.Gt => ">", Op.Ge => ">=",
        Op.Between => "between", Op.In => "in", Op.IsNull => "is_null", _ => "is_not_null",
    };

    /// <summary>The predicate as JSON (the language <see cref="Parse(JsonElement, string)"/> reads).</summary>
    public static void Write(Utf8JsonWriter writer, Predicate predicate)
    {
        writer.WriteStartObject();
        switch (predicate)
        {
            case AllOf all:
                writer.WriteStartArray("and");
                foreach (var p in all.Operands)
                {
                    Write(writer, p);
                }
                writer.WriteEndArray();
                break;
            case AnyOf any:
                writer.WriteStartArray("or");
                foreach (var p in any.Operands)
                {
                    Write(writer, p);
                }
                writer.WriteEndArray();
                break;
            case Not not:
                writer.WritePropertyName("not");
                Write(writer, not.Operand);
                break;
            case Comparison c:
                writer.WriteString("column", c.Column);
                writer.WriteString("op", Spell(c.Op));
                if (c.Op is Op.Between or Op.In)
                {
                    writer.WriteStartArray("values");
                    foreach (var l in c.Values)
                    {
                        WriteLiteral(writer, l);
                    }
                    writer.WriteEndArray();
                }
                else if (c.Values.Count == 1)
                {
                    writer.WritePropertyName("value");
                    WriteLiteral(writer, c.Values[0]);
                }
                break;
        }
        writer.WriteEndObject();
    }

    /// <summary>The predicate as a JSON element.</summary>
    public static JsonElement ToJson(Predicate predicate)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, predicate);
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void WriteLiteral(Utf8JsonWriter writer, Literal literal)
    {
        switch (literal.Kind)
        {
            case ValueKind.String:
                writer.WriteStringValue(literal.Text);
                break;
            case ValueKind.Boolean:
                writer.WriteBooleanValue(literal.Number != 0);
                break;
            case ValueKind.Timestamp:
                writer.WriteStartObject();
                writer.WriteString("timestamp", DateTimeOffset.FromUnixTimeMilliseconds((long)literal.Number).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                writer.WriteEndObject();
                break;
            default:
                writer.WriteNumberValue(literal.Number);
                break;
        }
    }
}
