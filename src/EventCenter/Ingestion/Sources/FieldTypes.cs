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
    /// A decimal number: a JSON number, or a string holding one (Debezium's string decimal mode); on a Debezium source
    /// also its default precise encoding (base64 unscaled bytes, or <c>{"scale", "value"}</c>).
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
            if (!row.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null || Matches(value, type)
                || (type == FieldType.Decimal && source.Format == SourceFormat.Debezium && IsPreciseDecimal(value)))
            {
                continue;
            }
            var text = value.GetRawText();
            if (text.Length > MaxValueText)
            {
                text = string.Concat(text.AsSpan(0, MaxValueText), "…");
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
        FieldType.Decimal => Text(value) is { } t && decimal.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _),
        _ => Text(value) is { } t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f),
    };

    /// <summary>
    /// Debezium's default <c>decimal.handling.mode=precise</c>: the unscaled value's bytes in base64 (the scale is in the
    /// schema), or <c>{"scale":s,"value":"base64"}</c> for PostgreSQL's unconstrained numeric. The database typed the
    /// column, so any such value is a decimal.
    /// </summary>
    private static bool IsPreciseDecimal(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.TryGetBytesFromBase64(out var bytes) && bytes.Length > 0,
        JsonValueKind.Object => value.TryGetProperty("scale", out var scale) && scale.ValueKind == JsonValueKind.Number
            && value.TryGetProperty("value", out var unscaled) && unscaled.ValueKind == JsonValueKind.String && unscaled.TryGetBytesFromBase64(out _),
        _ => false,
    };

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
