using System.Globalization;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>The type a source declares for a field of its events (<see cref="SourceDefinition.Fields"/>).</summary>
public enum FieldType
{
    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A whole number: a JSON number without a fraction, or a string holding one.</summary>
    Int,

    /// <summary>
    /// A decimal number: a JSON number, or a string holding one (Debezium's string decimal mode, and its default precise
    /// mode, which ingestion decodes to such strings when the message carries its schema).
    /// </summary>
    Decimal,

    /// <summary>A floating-point number: as <see cref="Decimal"/>, exponents allowed.</summary>
    Float,

    /// <summary>A JSON <c>true</c> or <c>false</c>.</summary>
    Bool,
}

/// <summary>
/// Checks a change's row image against its source's declared field types, at ingestion, before anything is stored.
/// A declared field that is missing or null passes (declare presence in the logic); a value of another type fails,
/// and the message is dead-lettered with a reason naming the field, the expected type and the value.
/// </summary>
public static class FieldTypes
{
    private const int MaxValueText = 100;

    /// <summary>Why one of <paramref name="events"/> does not match <paramref name="source"/>'s declared fields, or null when all do.</summary>
    public static string? Check(SourceDefinition source, IReadOnlyList<ChangeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(events);
        if (source.Fields.Count == 0)
        {
            return null;
        }
        foreach (var e in events)
        {
            if ((e.After ?? e.Before) is not { } image)
            {
                continue;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(image);
            }
            catch (JsonException)
            {
                return $"the row image is not JSON, so the declared field types (EventCenter:Sources:{source.Name}:Fields) cannot be checked";
            }
            using (document)
            {
                if (Check(source, document.RootElement) is { } problem)
                {
                    return problem;
                }
            }
        }
        return null;
    }

    private static string? Check(SourceDefinition source, JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return $"the row image is not a JSON object, so the declared field types (EventCenter:Sources:{source.Name}:Fields) cannot be checked";
        }
        foreach (var (name, type) in source.Fields)
        {
            if (!row.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null || Matches(value, type))
            {
                continue;
            }
            var text = value.GetRawText();
            if (text.Length > MaxValueText)
            {
                text = string.Concat(text.AsSpan(0, MaxValueText), "…");
            }
            if (type == FieldType.Decimal && source.Format == SourceFormat.Debezium && IsUndecodedPreciseDecimal(value))
            {
                return $"field '{name}' is declared a decimal (EventCenter:Sources:{source.Name}:Fields) but holds {text}, "
                    + "Debezium's precise decimal encoding (base64 of the unscaled digits) without the schema that gives its scale: "
                    + "set the connector's decimal.handling.mode=string, or the JSON converter's schemas.enable=true, so a job can read it";
            }
            return $"field '{name}' must be {Describe(type)} (declared in EventCenter:Sources:{source.Name}:Fields), got {text}";
        }
        return null;
    }

    private static bool Matches(JsonElement value, FieldType type) => type switch
    {
        FieldType.String => value.ValueKind == JsonValueKind.String,
        FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        FieldType.Int => Text(value) is { } t && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            || (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d),
        FieldType.Decimal => Text(value) is { } t && IsDecimalText(t),
        _ => Text(value) is { } t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f),
    };

    /// <summary>
    /// Debezium's default <c>decimal.handling.mode=precise</c> as sent without a schema (<c>schemas.enable=false</c>):
    /// the unscaled value's bytes in base64, whose scale the message does not carry, so ingestion could not decode it.
    /// </summary>
    private static bool IsUndecodedPreciseDecimal(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes) && bytes.Length > 0;

    /// <summary>
    /// Plain decimal text (<c>-12.50</c>), of any precision: a DECIMAL(38,10) read from Debezium has more digits than
    /// .NET's decimal holds, and the job reads it as Python's arbitrary-precision Decimal.
    /// </summary>
    private static bool IsDecimalText(string text)
    {
        var span = text.AsSpan();
        if (span.Length > 0 && span[0] is '-' or '+')
        {
            span = span[1..];
        }
        var point = span.IndexOf('.');
        var whole = point < 0 ? span : span[..point];
        var fraction = point < 0 ? [] : span[(point + 1)..];
        return whole.Length + fraction.Length > 0 && !whole.ContainsAnyExceptInRange('0', '9') && !fraction.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>The number's text: a JSON number's, or a string's when it holds one.</summary>
    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => value.GetString(),
        _ => null,
    };

    private static string Describe(FieldType type) => type switch
    {
        FieldType.String => "a string",
        FieldType.Int => "an int (a whole number)",
        FieldType.Decimal => "a decimal (a number, or a string holding one)",
        FieldType.Float => "a float (a number, or a string holding one)",
        _ => "a bool (true or false)",
    };
}
