using System.Globalization;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Debezium's default <c>decimal.handling.mode=precise</c> written as exact decimal strings (<c>"1000.00"</c>), as
/// <c>decimal.handling.mode=string</c> would have sent them, so a job reads them with <c>event.decimal</c>:
/// <list type="bullet">
/// <item><c>org.apache.kafka.connect.data.Decimal</c>: base64 of the unscaled big-endian two's-complement integer; the
/// scale is only in the envelope's schema (<c>parameters.scale</c>), so it is decoded only when the schema came along.</item>
/// <item><c>io.debezium.data.VariableScaleDecimal</c> (PostgreSQL numeric without scale): <c>{"scale":s,"value":"base64"}</c>,
/// decoded with or without a schema since it carries its scale.</item>
/// </list>
/// Other values keep their JSON text; a row with nothing to decode keeps its bytes as sent.
/// </summary>
internal static class DebeziumDecimals
{
    private const string DecimalName = "org.apache.kafka.connect.data.Decimal";
    private const string VariableScaleName = "io.debezium.data.VariableScaleDecimal";

    /// <summary>Largest scale magnitude decoded; PostgreSQL's numeric allows 16383 digits after the point, SQL DECIMAL far fewer.</summary>
    private const int MaxScale = 16383;

    // Relaxed: property names keep non-ASCII text as sent (the default encoder would write \uXXXX).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The scales of the Decimal fields the envelope's schema declares for the row block <paramref name="block"/>
    /// (<c>before</c> or <c>after</c>); empty without a schema.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Scales(JsonElement root, string block)
    {
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        if (FieldsOf(root.TryGetProperty("schema", out var schema) ? schema : default, block) is not { } fields)
        {
            return scales;
        }
        foreach (var field in fields.EnumerateArray())
        {
            if (field.ValueKind == JsonValueKind.Object && Text(field, "name") == DecimalName && Text(field, "field") is { } name
                && field.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && Text(parameters, "scale") is { } scaleText)
            {
                scales[name] = int.TryParse(scaleText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var scale)
                    ? scale
                    : throw new RejectedMessageException($"the schema gives Decimal field '{name}' the scale '{scaleText}', not an integer");
            }
        }
        return scales;
    }

    /// <summary>The row's JSON with its precise decimals written as decimal strings.</summary>
    public static byte[] Row(JsonElement row, IReadOnlyDictionary<string, int> scales)
    {
        if (!NeedsRewrite(row, scales))
        {
            return JsonFields.Bytes(row);
        }
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var column in row.EnumerateObject())
            {
                writer.WritePropertyName(column.Name);
                if (Decoded(column.Name, column.Value, scales) is { } text)
                {
                    writer.WriteStringValue(text);
                }
                else
                {
                    writer.WriteRawValue(column.Value.GetRawText(), skipInputValidation: true);
                }
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// <c>unscaled × 10^-scale</c> as plain decimal text with exactly <paramref name="scale"/> fraction digits (Java's
    /// <c>BigDecimal.toPlainString</c>): <c>AYag</c>, 2 → <c>1000.00</c>; a negative scale gives a whole number.
    /// </summary>
    internal static string Text(ReadOnlySpan<byte> unscaledBigEndian, int scale)
    {
        if (scale is < -MaxScale or > MaxScale)
        {
            // A scale from the message sizes the text (and 10^-scale): bound it rather than allocate what it says.
            throw new RejectedMessageException($"decimal scale {scale} is outside -{MaxScale}..{MaxScale}");
        }
        var unscaled = new BigInteger(unscaledBigEndian, isUnsigned: false, isBigEndian: true);
        if (scale <= 0)
        {
            return (unscaled * BigInteger.Pow(10, -scale)).ToString(CultureInfo.InvariantCulture);
        }
        var digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        var sign = unscaled.Sign < 0 ? "-" : "";
        return string.Concat(sign, digits.AsSpan(0, digits.Length - scale), ".", digits.AsSpan(digits.Length - scale));
    }

    private static bool NeedsRewrite(JsonElement row, IReadOnlyDictionary<string, int> scales)
    {
        foreach (var column in row.EnumerateObject())
        {
            if ((column.Value.ValueKind == JsonValueKind.String && scales.ContainsKey(column.Name)) || IsVariableScale(column.Value))
            {
                return true;
            }
        }
        return false;
    }

    private static string? Decoded(string name, JsonElement value, IReadOnlyDictionary<string, int> scales)
    {
        if (value.ValueKind == JsonValueKind.String && scales.TryGetValue(name, out var scale))
        {
            return Text(Unscaled(name, value), scale);
        }
        if (IsVariableScale(value))
        {
            return value.GetProperty("scale").TryGetInt32(out var own)
                ? Text(Unscaled(name, value.GetProperty("value")), own)
                : throw new RejectedMessageException($"field '{name}' ({VariableScaleName}) has a scale that is not an integer");
        }
        return null;
    }

    /// <summary>A struct of exactly <c>scale</c> (number) and <c>value</c> (string): Debezium writes no other row value so.</summary>
    private static bool IsVariableScale(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }
        return count == 2 && value.TryGetProperty("scale", out var scale) && scale.ValueKind == JsonValueKind.Number
            && value.TryGetProperty("value", out var unscaled) && unscaled.ValueKind == JsonValueKind.String;
    }

    private static byte[] Unscaled(string name, JsonElement value) =>
        value.TryGetBytesFromBase64(out var bytes) && bytes.Length > 0
            ? bytes
            : throw new RejectedMessageException($"field '{name}' is a Debezium decimal but {Shorten(value.GetRawText())} is not base64 of its unscaled value");

    /// <summary>The <c>fields</c> of the envelope schema's <paramref name="block"/> struct, or null.</summary>
    private static JsonElement? FieldsOf(JsonElement schema, string block)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("fields", out var envelope) || envelope.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var field in envelope.EnumerateArray())
        {
            if (field.ValueKind == JsonValueKind.Object && Text(field, "field") == block
                && field.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array)
            {
                return fields;
            }
        }
        return null;
    }

    /// <summary>A property's text: a string's value or a number's JSON text (the converter writes parameters as strings).</summary>
    private static string? Text(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
