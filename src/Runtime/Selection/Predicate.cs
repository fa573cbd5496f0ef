namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// A selection predicate over a job's feature columns: a tree of <see cref="Comparison"/> leaves joined by
/// <see cref="AllOf"/>, <see cref="AnyOf"/> and <see cref="Not"/> (docs/selection.md: the predicate language).
/// </summary>
/// <remarks>
/// Two-valued logic: a comparison of a missing or null value is false (so <c>!=</c> does not select nulls), and
/// <see cref="Not"/> negates whatever its operand gives (so <c>not (a = 1)</c> selects nulls). <see cref="PredicateParser"/>
/// builds it from JSON; <see cref="PredicateEvaluator"/> evaluates it over a <see cref="FeatureTable"/>.
/// </remarks>
public abstract record Predicate;

/// <summary>True when every operand is (an empty list is true: selects every row).</summary>
/// <param name="Operands">The operands.</param>
public sealed record AllOf(IReadOnlyList<Predicate> Operands) : Predicate;

/// <summary>True when any operand is (an empty list is false).</summary>
/// <param name="Operands">The operands.</param>
public sealed record AnyOf(IReadOnlyList<Predicate> Operands) : Predicate;

/// <summary>True when its operand is false.</summary>
/// <param name="Operand">The operand.</param>
public sealed record Not(Predicate Operand) : Predicate;

/// <summary>A comparison of one column with typed values.</summary>
/// <param name="Column">The feature column, or <see cref="FeatureTable.UpdatedColumn"/> for the row's newest event time.</param>
/// <param name="Op">The operator.</param>
/// <param name="Values">The operands: one for comparisons, two for <see cref="Op.Between"/>, one or more for <see cref="Op.In"/>, none for the null tests.</param>
public sealed record Comparison(string Column, Op Op, IReadOnlyList<Literal> Values) : Predicate;

/// <summary>Comparison operators.</summary>
public enum Op
{
    /// <summary><c>=</c></summary>
    Eq,
    /// <summary><c>!=</c></summary>
    Ne,
    /// <summary><c>&lt;</c></summary>
    Lt,
    /// <summary><c>&lt;=</c></summary>
    Le,
    /// <summary><c>&gt;</c></summary>
    Gt,
    /// <summary><c>&gt;=</c></summary>
    Ge,
    /// <summary><c>between</c>: low ≤ value ≤ high (both inclusive).</summary>
    Between,
    /// <summary><c>in</c>: equal to one of the values.</summary>
    In,
    /// <summary><c>is_null</c>: missing or JSON null.</summary>
    IsNull,
    /// <summary><c>is_not_null</c>: present and not JSON null.</summary>
    IsNotNull,
}

/// <summary>Kinds of typed values (of literals and of stored cells).</summary>
public enum ValueKind : byte
{
    /// <summary>Missing or JSON null.</summary>
    Null = 0,
    /// <summary>A JSON number.</summary>
    Number = 1,
    /// <summary>A JSON string (that is not a timestamp).</summary>
    String = 2,
    /// <summary>A JSON boolean.</summary>
    Boolean = 3,
    /// <summary>A timestamp: an ISO 8601 date-time string in a cell; <c>{"timestamp": …}</c> in a predicate.</summary>
    Timestamp = 4,
    /// <summary>A JSON array or object: only the null tests apply.</summary>
    Other = 5,
}

/// <summary>A typed literal of a predicate.</summary>
/// <param name="Kind">Number, String, Boolean or Timestamp.</param>
/// <param name="Number">The number, the timestamp (ms since the Unix epoch) or the boolean (1/0).</param>
/// <param name="Text">The string (null for other kinds).</param>
public readonly record struct Literal(ValueKind Kind, double Number, string? Text)
{
    /// <summary>A number.</summary>
    public static Literal Of(double value) => new(ValueKind.Number, value, null);

    /// <summary>A string.</summary>
    public static Literal Of(string value) => new(ValueKind.String, 0, value);

    /// <summary>A boolean.</summary>
    public static Literal Of(bool value) => new(ValueKind.Boolean, value ? 1 : 0, null);

    /// <summary>A timestamp (ms since the Unix epoch).</summary>
    public static Literal Time(long ms) => new(ValueKind.Timestamp, ms, null);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ValueKind.String => $"\"{Text}\"",
        ValueKind.Boolean => Number != 0 ? "true" : "false",
        ValueKind.Timestamp => DateTimeOffset.FromUnixTimeMilliseconds((long)Number).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
