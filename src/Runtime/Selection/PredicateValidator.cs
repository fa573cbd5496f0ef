namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Checks a predicate against a job's columns before it runs: every column exists (or is <c>$updated</c>), every value's
/// type is one the column holds, every operator applies. Errors name the field (the JSON path) and the fix.
/// </summary>
public static class PredicateValidator
{
    /// <summary>Throws <see cref="SelectionException"/> for the first problem of <paramref name="predicate"/>.</summary>
    public static void Validate(Predicate predicate, SelectionSchema schema, string job, string path = "predicate")
    {
        switch (predicate)
        {
            case AllOf all:
                for (var i = 0; i < all.Operands.Count; i++)
                {
                    Validate(all.Operands[i], schema, job, $"{path}.and[{i}]");
                }
                break;
            case AnyOf any:
                for (var i = 0; i < any.Operands.Count; i++)
                {
                    Validate(any.Operands[i], schema, job, $"{path}.or[{i}]");
                }
                break;
            case Not not:
                Validate(not.Operand, schema, job, path + ".not");
                break;
            case Comparison c:
                Check(c, schema, job, path);
                break;
        }
    }

    /// <summary>Checks the chosen export columns exist.</summary>
    public static void ValidateColumns(IReadOnlyList<string>? columns, SelectionSchema schema, string job, string path = "columns")
    {
        for (var i = 0; i < (columns?.Count ?? 0); i++)
        {
            if (columns![i] != FeatureTable.UpdatedColumn && schema.Find(columns[i]) is null)
            {
                throw new SelectionException($"{path}[{i}]", UnknownColumn(columns[i], schema, job));
            }
        }
    }

    private static void Check(Comparison c, SelectionSchema schema, string job, string path)
    {
        IReadOnlyList<ValueKind> held;
        if (c.Column == FeatureTable.UpdatedColumn)
        {
            held = [ValueKind.Timestamp];
        }
        else if (schema.Find(c.Column) is { } column)
        {
            held = column.Kinds;
        }
        else
        {
            throw new SelectionException(path + ".column", UnknownColumn(c.Column, schema, job));
        }
        if (c.Values.Count == 0 || held.Count == 0)
        {
            return; // null tests apply to every column; a column that only ever held nulls compares with anything (and matches nothing)
        }
        var kind = c.Values[0].Kind;
        if (!held.Any(h => Compatible(kind, h)))
        {
            var field = c.Op is Op.Between or Op.In ? path + ".values" : path + ".value";
            throw new SelectionException(field,
                $"Column '{c.Column}' holds {Describe(held)}; compare it with {Suggest(held)} (got {Article(kind)}).");
        }
        if (c.Op is not (Op.Eq or Op.Ne or Op.In or Op.IsNull or Op.IsNotNull) && held.All(h => h is ValueKind.Boolean or ValueKind.Other))
        {
            throw new SelectionException(path + ".op", $"Column '{c.Column}' holds {Describe(held)}: use =, != or in, not '{PredicateParser.Spell(c.Op)}'.");
        }
    }

    /// <summary>Whether a literal of kind <paramref name="literal"/> compares with a cell of kind <paramref name="cell"/>.</summary>
    public static bool Compatible(ValueKind literal, ValueKind cell) => literal switch
    {
        ValueKind.Number => cell == ValueKind.Number,
        ValueKind.String => cell is ValueKind.String or ValueKind.Timestamp,
        ValueKind.Boolean => cell == ValueKind.Boolean,
        ValueKind.Timestamp => cell is ValueKind.Timestamp or ValueKind.Number,
        _ => false,
    };

    private static string UnknownColumn(string column, SelectionSchema schema, string job)
    {
        var known = schema.Columns.Count == 0 ? "it has no features yet" : "its columns are " + string.Join(", ", schema.Columns.Take(50).Select(k => k.Name));
        return $"Job '{job}' has no feature column '{column}'; {known} (and {FeatureTable.UpdatedColumn}, the row's newest event time).";
    }

    private static string Describe(IReadOnlyList<ValueKind> kinds) => string.Join(" and ", kinds.Select(k => k switch
    {
        ValueKind.Number => "numbers",
        ValueKind.String => "strings",
        ValueKind.Boolean => "booleans",
        ValueKind.Timestamp => "timestamps (ISO 8601 strings)",
        _ => "arrays/objects",
    }));

    private static string Suggest(IReadOnlyList<ValueKind> kinds) => string.Join(" or ", kinds.Select(k => k switch
    {
        ValueKind.Number => "a number (or {\"timestamp\": ...} for epoch-ms numbers)",
        ValueKind.String => "a string",
        ValueKind.Boolean => "true or false",
        ValueKind.Timestamp => "{\"timestamp\": \"2026-01-01T00:00:00Z\"} (or a string)",
        _ => "is_null / is_not_null only",
    }));

    private static string Article(ValueKind kind) => kind switch
    {
        ValueKind.Number => "a number",
        ValueKind.String => "a string",
        ValueKind.Boolean => "a boolean",
        _ => "a timestamp",
    };
}
