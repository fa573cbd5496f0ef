namespace FeaturePlatform.Runtime.Exports;

/// <summary>The value type of an exported column; each maps to one Parquet physical/logical type.</summary>
public enum ColumnType
{
    /// <summary>64-bit integer (Parquet INT64; pandas <c>Int64</c>/<c>int64</c>).</summary>
    Int64,

    /// <summary>64-bit float (Parquet DOUBLE; pandas <c>float64</c>).</summary>
    Double,

    /// <summary>Boolean (Parquet BOOLEAN).</summary>
    Bool,

    /// <summary>UTF-8 text (Parquet BYTE_ARRAY with the STRING logical type).</summary>
    String,

    /// <summary>An instant (Parquet timestamp, UTC; pandas <c>datetime64</c>); in CSV ISO 8601 UTC with milliseconds (<c>2026-01-01T08:00:00.000Z</c>).</summary>
    Timestamp,
}

/// <summary>One column of an exported table.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">Its value type.</param>
/// <param name="Nullable">Whether a row may have no value (Parquet OPTIONAL). Default: true.</param>
public sealed record TableColumn(string Name, ColumnType Type, bool Nullable = true)
{
    /// <summary>
    /// <paramref name="value"/> as this column's type: long for <see cref="ColumnType.Int64"/>, double for
    /// <see cref="ColumnType.Double"/>, bool for <see cref="ColumnType.Bool"/>, string for <see cref="ColumnType.String"/>,
    /// a UTC <see cref="DateTime"/> for <see cref="ColumnType.Timestamp"/> (from a <see cref="DateTimeOffset"/> or a UTC
    /// <see cref="DateTime"/>); null stays null. Integers widen to double; a JSON element converts by its kind.
    /// </summary>
    /// <exception cref="InvalidCastException">The value does not fit the type (named with the column): nothing is dropped silently.</exception>
    public object? Convert(object? value) => value switch
    {
        null => null,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined } => null,
        System.Text.Json.JsonElement e => Type switch
        {
            ColumnType.Int64 when e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetInt64(out var l) => l,
            ColumnType.Double when e.ValueKind == System.Text.Json.JsonValueKind.Number => e.GetDouble(),
            ColumnType.Bool when e.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => e.GetBoolean(),
            ColumnType.String => e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : e.GetRawText(),
            _ => throw Mismatch(e.GetRawText()),
        },
        _ => Type switch
        {
            ColumnType.Int64 => value switch
            {
                long l => l,
                int i => (long)i,
                short s => (long)s,
                _ => throw Mismatch(value),
            },
            ColumnType.Double => value switch
            {
                double d => d,
                float f => (double)f,
                long l => (double)l,
                int i => (double)i,
                decimal m => (double)m,
                _ => throw Mismatch(value),
            },
            ColumnType.Bool => value is bool b ? b : throw Mismatch(value),
            ColumnType.Timestamp => value switch
            {
                DateTimeOffset o => o.UtcDateTime,
                DateTime { Kind: DateTimeKind.Utc } d => d,
                _ => throw Mismatch(value),
            },
            _ => value is string s ? s : System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    private InvalidCastException Mismatch(object value) =>
        new($"Column '{Name}' holds {Type} values; '{value}' ({value.GetType().Name}) is not one.");
}
