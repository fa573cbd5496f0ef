using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Canal gives every column value as a string; this writes rows with the values typed as the column is typed:
/// by <c>sqlType</c> (java.sql.Types codes), else by the <c>mysqlType</c> text (<c>int(11)</c>,
/// <c>bigint(20) unsigned</c>, <c>decimal(10,2)</c>, …). Integers and decimals become JSON numbers with their exact
/// text (never through a double, so an unsigned bigint or a DECIMAL(38,10) keeps every digit), floats become
/// numbers, BOOLEAN becomes true/false; dates, times, strings and binary (Canal's ISO-8859-1 text of the bytes)
/// stay strings; null stays null. A value that does not read as its type is kept as the string Canal sent.
/// </summary>
internal sealed class CanalValues
{
    private readonly Dictionary<string, ValueKind> kinds = new(StringComparer.Ordinal);

    private CanalValues()
    {
    }

    /// <summary>How a column's values are written.</summary>
    internal enum ValueKind
    {
        /// <summary>As given (strings stay strings).</summary>
        Text,

        /// <summary>Integer: a JSON number with the exact digits.</summary>
        Integer,

        /// <summary>Exact decimal: a JSON number with the exact text.</summary>
        Decimal,

        /// <summary>Approximate number: a JSON number.</summary>
        Float,

        /// <summary>true/false.</summary>
        Boolean,
    }

    /// <summary>The column kinds of one Canal message (its <c>sqlType</c> and <c>mysqlType</c> maps).</summary>
    public static CanalValues For(JsonElement root)
    {
        var values = new CanalValues();
        if (root.TryGetProperty("mysqlType", out var mysql) && mysql.ValueKind == JsonValueKind.Object)
        {
            foreach (var column in mysql.EnumerateObject())
            {
                if (column.Value.ValueKind == JsonValueKind.String)
                {
                    values.kinds[column.Name] = FromMysqlType(column.Value.GetString()!);
                }
            }
        }
        // sqlType wins where both are given: it is Canal's own mapping of the column.
        if (root.TryGetProperty("sqlType", out var sql) && sql.ValueKind == JsonValueKind.Object)
        {
            foreach (var column in sql.EnumerateObject())
            {
                if (column.Value.ValueKind == JsonValueKind.Number && column.Value.TryGetInt32(out var code))
                {
                    values.kinds[column.Name] = FromSqlType(code, values.kinds.GetValueOrDefault(column.Name));
                }
            }
        }
        return values;
    }

    /// <summary>The kind of a java.sql.Types code; unknown codes keep <paramref name="fallback"/> (from mysqlType).</summary>
    internal static ValueKind FromSqlType(int code, ValueKind fallback) => code switch
    {
        -7 or -6 or 5 or 4 or -5 => ValueKind.Integer, // BIT, TINYINT, SMALLINT, INTEGER, BIGINT
        2 or 3 => ValueKind.Decimal,                    // NUMERIC, DECIMAL
        6 or 7 or 8 => ValueKind.Float,                 // FLOAT, REAL, DOUBLE
        16 => ValueKind.Boolean,                        // BOOLEAN
        1 or 12 or -1 or -15 or -9 or -16 or 91 or 92 or 93 or 2013 or 2014 => ValueKind.Text, // chars, dates, times
        -2 or -3 or -4 or 2004 or 2005 or 2011 => ValueKind.Text, // BINARY, VARBINARY, LONGVARBINARY, BLOB, CLOB, NCLOB
        _ => fallback,
    };

    /// <summary>The kind of a MySQL column type as Canal prints it.</summary>
    internal static ValueKind FromMysqlType(string type)
    {
        var name = type.Trim().ToLowerInvariant();
        var end = name.IndexOfAny(['(', ' ']);
        var baseName = end < 0 ? name : name[..end];
        return baseName switch
        {
            "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" or "bit" or "year" => ValueKind.Integer,
            "decimal" or "numeric" or "dec" or "fixed" => ValueKind.Decimal,
            "float" or "double" or "real" => ValueKind.Float,
            "bool" or "boolean" => ValueKind.Boolean,
            _ => ValueKind.Text,
        };
    }

    /// <summary>
    /// The row as typed UTF-8 JSON; with <paramref name="overlay"/> (an update's <c>old</c> entry), the changed
    /// columns take their old values: the row before the update.
    /// </summary>
    public byte[] Row(JsonElement row, JsonElement? overlay = null)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var column in row.EnumerateObject())
            {
                writer.WritePropertyName(column.Name);
                var value = overlay is { ValueKind: JsonValueKind.Object } old && old.TryGetProperty(column.Name, out var previous) ? previous : column.Value;
                Write(writer, value, kinds.GetValueOrDefault(column.Name));
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    internal static void Write(Utf8JsonWriter writer, JsonElement value, ValueKind kind)
    {
        if (value.ValueKind != JsonValueKind.String || kind == ValueKind.Text)
        {
            value.WriteTo(writer);
            return;
        }
        var text = value.GetString()!;
        switch (kind)
        {
            case ValueKind.Integer when IsJsonInteger(text):
            case ValueKind.Decimal when IsJsonNumber(text):
                writer.WriteRawValue(text, skipInputValidation: true);
                return;
            case ValueKind.Decimal when decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact):
                writer.WriteRawValue(exact.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                return;
            case ValueKind.Float when IsJsonNumber(text):
                writer.WriteRawValue(text, skipInputValidation: true);
                return;
            case ValueKind.Float when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var approximate) && double.IsFinite(approximate):
                writer.WriteNumberValue(approximate);
                return;
            case ValueKind.Boolean when text is "1" or "true" or "TRUE" or "0" or "false" or "FALSE":
                writer.WriteBooleanValue(text is "1" or "true" or "TRUE");
                return;
            default:
                writer.WriteStringValue(text);
                return;
        }
    }

    /// <summary>JSON integer grammar: -?(0|[1-9][0-9]*), any length (unsigned bigint and beyond stay exact).</summary>
    internal static bool IsJsonInteger(string text)
    {
        var digits = text.AsSpan(text.StartsWith('-') ? 1 : 0);
        return digits.Length > 0 && (digits.Length == 1 || digits[0] != '0') && !digits.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>JSON number grammar: an integer, optional fraction, optional exponent.</summary>
    internal static bool IsJsonNumber(string text)
    {
        var span = text.AsSpan();
        var i = span.StartsWith("-") ? 1 : 0;
        var intStart = i;
        while (i < span.Length && char.IsAsciiDigit(span[i]))
        {
            i++;
        }
        if (i == intStart || (span[intStart] == '0' && i - intStart > 1))
        {
            return false;
        }
        if (i < span.Length && span[i] == '.')
        {
            var fractionStart = ++i;
            while (i < span.Length && char.IsAsciiDigit(span[i]))
            {
                i++;
            }
            if (i == fractionStart)
            {
                return false;
            }
        }
        if (i < span.Length && span[i] is 'e' or 'E')
        {
            i++;
            if (i < span.Length && span[i] is '+' or '-')
            {
                i++;
            }
            var exponentStart = i;
            while (i < span.Length && char.IsAsciiDigit(span[i]))
            {
                i++;
            }
            if (i == exponentStart)
            {
                return false;
            }
        }
        return i == span.Length;
    }
}
