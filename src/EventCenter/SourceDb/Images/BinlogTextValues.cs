using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.SourceDb.Images;

/// <summary>
/// Values as Canal (after <c>CanalValues</c> typing at ingestion) and Maxwell write them: integers (MySQL
/// <c>tinyint(1)</c> too) and decimals as JSON numbers with the exact digits at the column's scale, floats as numbers,
/// DATE as <c>yyyy-MM-dd</c>, DATETIME and TIMESTAMP as <c>yyyy-MM-dd HH:mm:ss</c> with as many fraction digits as
/// the column declares (TIMESTAMP in UTC), TIME as <c>HH:mm:ss</c> likewise, text as strings. Where the two differ:
/// binary columns are Canal's ISO-8859-1 text of the bytes but Maxwell's base64; BIT(1) is Canal's number but
/// Maxwell's true/false; a JSON column is Canal's string but Maxwell's embedded JSON value.
/// </summary>
internal static class BinlogTextValues
{
    public static void Write(Utf8JsonWriter json, SourceValue value, bool maxwell)
    {
        var type = value.Type;
        var digits = Math.Clamp(type.DatetimePrecision ?? 0, 0, 7);
        switch (value.Value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b when type.DataType is "tinyint" or "bit":
                if (maxwell && type.DataType is "bit")
                {
                    json.WriteBooleanValue(b);
                }
                else
                {
                    json.WriteNumberValue(b ? 1 : 0);
                }
                break;
            case ulong bits when maxwell && type.DataType is "bit" && (type.Length ?? 1) <= 1:
                json.WriteBooleanValue(bits != 0);
                break;
            case decimal m:
                var scale = type.NumericScale ?? m.Scale;
                json.WriteRawValue(m.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                break;
            case DateTime dt when type.DataType is "date":
                json.WriteStringValue(dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateOnly d:
                json.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
                json.WriteStringValue(utc.ToString("yyyy-MM-dd HH:mm:ss" + Fraction(digits), CultureInfo.InvariantCulture));
                break;
            case TimeSpan span:
                json.WriteStringValue(Time(span, digits));
                break;
            case TimeOnly t:
                json.WriteStringValue(Time(t.ToTimeSpan(), digits));
                break;
            case byte[] bytes:
                json.WriteStringValue(maxwell ? Convert.ToBase64String(bytes) : Encoding.Latin1.GetString(bytes));
                break;
            case string s when maxwell && type.DataType is "json" or "jsonb" && IsJson(s):
                json.WriteRawValue(s);
                break;
            default:
                SourceValueJson.WritePlain(json, value.Value);
                break;
        }
    }

    private static string Fraction(int digits) => digits == 0 ? "" : "." + new string('f', digits);

    /// <summary>MySQL's TIME text: hours may exceed 24 and the value may be negative.</summary>
    private static string Time(TimeSpan span, int digits)
    {
        var sign = span < TimeSpan.Zero ? "-" : "";
        var abs = span.Duration();
        var text = string.Create(CultureInfo.InvariantCulture, $"{sign}{(long)abs.TotalHours:00}:{abs.Minutes:00}:{abs.Seconds:00}");
        return digits == 0 ? text : text + "." + (abs.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture)[..digits];
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
