using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// Compares a source-database row with the event center's image of it, column by column, across the encodings
/// CDC tools use: Canal sends every value as a string, Debezium sends times as epoch numbers, the database driver
/// returns typed values. Only the database row's columns are compared (images may carry extra fields).
/// </summary>
internal static class RowComparer
{
    public static bool Same(byte[] databaseRow, byte[]? image)
    {
        if (image is null)
        {
            return false;
        }
        using var db = JsonDocument.Parse(databaseRow);
        JsonDocument stored;
        try
        {
            stored = JsonDocument.Parse(image);
        }
        catch (JsonException)
        {
            return false;
        }
        using (stored)
        {
            if (stored.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            foreach (var column in db.RootElement.EnumerateObject())
            {
                if (!stored.RootElement.TryGetProperty(column.Name, out var value) || !SameValue(column.Value, value))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static bool SameValue(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Null || b.ValueKind == JsonValueKind.Null)
        {
            return a.ValueKind == b.ValueKind;
        }
        if (Number(a) is { } x && Number(b) is { } y)
        {
            return x == y;
        }
        if (Time(a) is { } t && Time(b) is { } u)
        {
            return t == u || t == u * 1000 || t * 1000 == u;
        }
        if (Bool(a) is { } p && Bool(b) is { } q)
        {
            return p == q;
        }
        return Text(a) == Text(b);
    }

    private static decimal? Number(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out var d) ? d
        : e.ValueKind == JsonValueKind.String && decimal.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s
        : null;

    /// <summary>A time as epoch ms from an ISO-8601 or "yyyy-MM-dd HH:mm:ss" string.</summary>
    private static long? Time(JsonElement e) =>
        e.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUnixTimeMilliseconds()
            : e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) ? n : null;

    private static bool? Bool(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when e.TryGetInt32(out var n) && n is 0 or 1 => n == 1,
        JsonValueKind.String when e.GetString() is "0" or "1" or "true" or "false" => e.GetString() is "1" or "true",
        _ => null,
    };

    private static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
}
