using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// A feature value as the selection engines hold it: its kind, a number (numbers; timestamps as ms since the Unix
/// epoch; booleans as 1/0) and the text (strings and timestamps). Built the same way from what a job wrote
/// (<see cref="From(object?)"/>) and from what the store holds (<see cref="From(JsonElement)"/>), so the copy kept in
/// step with writes equals the copy rebuilt from the store.
/// </summary>
/// <param name="Kind">The kind.</param>
/// <param name="Number">The number, timestamp ms or boolean 1/0.</param>
/// <param name="Text">The string or the timestamp as written; null otherwise.</param>
public readonly record struct CellValue(ValueKind Kind, double Number, string? Text)
{
    /// <summary>Missing or null.</summary>
    public static readonly CellValue Null = default;

    /// <summary>The value a job wrote (the feature store stores it as its JSON serialisation).</summary>
    public static CellValue From(object? value) => value switch
    {
        null => Null,
        bool b => new CellValue(ValueKind.Boolean, b ? 1 : 0, null),
        double d => new CellValue(ValueKind.Number, d, null),
        long l => new CellValue(ValueKind.Number, l, null),
        int i => new CellValue(ValueKind.Number, i, null),
        string s => FromString(s),
        JsonElement e => From(e),
        // Everything else goes through its JSON form, exactly as the store keeps it.
        _ => From(JsonSerializer.SerializeToElement(value)),
    };

    /// <summary>The value as the feature store holds it (a JSON document).</summary>
    public static CellValue From(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => new CellValue(ValueKind.Number, value.GetDouble(), null),
        JsonValueKind.String => FromString(value.GetString()!),
        JsonValueKind.True => new CellValue(ValueKind.Boolean, 1, null),
        JsonValueKind.False => new CellValue(ValueKind.Boolean, 0, null),
        JsonValueKind.Object or JsonValueKind.Array => new CellValue(ValueKind.Other, 0, value.GetRawText()),
        _ => Null,
    };

    /// <summary>The value as the feature store holds it, decoded straight from its UTF-8 JSON bytes (what a rebuild and a scan read).</summary>
    public static CellValue FromJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            return Null;
        }
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return new CellValue(ValueKind.Number, reader.GetDouble(), null);
            case JsonTokenType.String:
                return FromString(reader.GetString()!);
            case JsonTokenType.True:
                return new CellValue(ValueKind.Boolean, 1, null);
            case JsonTokenType.False:
                return new CellValue(ValueKind.Boolean, 0, null);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                return new CellValue(ValueKind.Other, 0, System.Text.Encoding.UTF8.GetString(json));
            default:
                return Null;
        }
    }

    /// <summary>A string, or a timestamp when it is an ISO 8601 date or date-time (<see cref="TryParseTimestamp"/>).</summary>
    public static CellValue FromString(string text) =>
        TryParseTimestamp(text, out var ms) ? new CellValue(ValueKind.Timestamp, ms, text) : new CellValue(ValueKind.String, 0, text);

    /// <summary>
    /// True for ISO 8601 dates and date-times (<c>yyyy-MM-dd</c>, then optionally <c>T</c> or a space and a time, with
    /// an offset or <c>Z</c>; without one it is UTC); <paramref name="ms"/> is then the instant in ms since the Unix epoch.
    /// </summary>
    public static bool TryParseTimestamp(string text, out long ms)
    {
        ms = 0;
        if (text.Length is < 10 or > 40 || text[4] != '-' || text[7] != '-' || !char.IsAsciiDigit(text[0]) || (text.Length > 10 && text[10] is not ('T' or ' ')))
        {
            return false;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            return false;
        }
        ms = parsed.ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>The value as JSON text for exports (strings unquoted; null as empty).</summary>
    public string? Display() => Kind switch
    {
        ValueKind.Null => null,
        ValueKind.Number => Number.ToString("R", CultureInfo.InvariantCulture),
        ValueKind.Boolean => Number != 0 ? "true" : "false",
        _ => Text,
    };
}
