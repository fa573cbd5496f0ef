using System.Globalization;
using System.Text.Json;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.SourceDb.Images;

/// <summary>
/// Values as Debezium's MySQL and PostgreSQL connectors write them with the JSON converter and default settings
/// (<c>time.precision.mode=adaptive</c> / <c>adaptive_time_microseconds</c>, <c>binary.handling.mode=bytes</c>,
/// <c>interval.handling.mode=numeric</c>, <c>decimal.handling.mode</c> per <see cref="DecimalHandling"/>) and stored
/// by ingestion:
/// <list type="bullet">
/// <item>DECIMAL/NUMERIC: the exact text at the column's scale (<c>"73.50"</c>), which ingestion also stores for the
/// precise mode; a number in double mode.</item>
/// <item>DATE: days since the epoch (<c>io.debezium.time.Date</c>).</item>
/// <item>DATETIME / timestamp without time zone: epoch ms when the precision is 0–3 (<c>Timestamp</c>), epoch µs
/// when 4–6 (<c>MicroTimestamp</c>); undeclared precision is MySQL's 0 and PostgreSQL's 6.</item>
/// <item>MySQL TIMESTAMP / timestamptz: ISO-8601 in UTC (<c>ZonedTimestamp</c>), e.g. <c>2025-06-01T10:00:00.25Z</c>.</item>
/// <item>TIME: µs since midnight (<c>MicroTime</c>); PostgreSQL time(0–3): ms (<c>Time</c>). interval: µs.</item>
/// <item>Integers, floats: numbers; MySQL <c>tinyint(1)</c>: 0/1 (not a boolean); BIT(1) and boolean: true/false.</item>
/// <item>Bytes (BLOB, bytea, BIT(n&gt;1)): base64; JSON, UUID, ENUM and text: strings.</item>
/// </list>
/// </summary>
internal static class DebeziumValues
{
    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    public static void Write(Utf8JsonWriter json, SourceValue value, DecimalHandling decimals)
    {
        var type = value.Type;
        switch (value.Value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b when type.DataType is "tinyint":
                json.WriteNumberValue(b ? 1 : 0);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case ulong bits when type.DataType is "bit":
                WriteBits(json, bits, type.Length ?? 1);
                break;
            case decimal m:
                WriteDecimal(json, m, type, decimals);
                break;
            case float f when float.IsFinite(f):
                json.WriteRawValue(f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DateTime dt when type.DataType is "date":
                json.WriteNumberValue((long)(DateTime.SpecifyKind(dt.Date, DateTimeKind.Utc) - Epoch).TotalDays);
                break;
            case DateOnly d:
                json.WriteNumberValue(d.DayNumber - DateOnly.FromDateTime(Epoch).DayNumber);
                break;
            case DateTime dt when type.DataType is "timestamp" or "timestamp with time zone":
                json.WriteStringValue(Zoned(DateTime.SpecifyKind(dt, DateTimeKind.Utc)));
                break;
            case DateTimeOffset dto when type.DataType is "timestamp with time zone":
                json.WriteStringValue(Zoned(dto.UtcDateTime));
                break;
            case DateTime dt:
                var ticks = (DateTime.SpecifyKind(dt, DateTimeKind.Utc) - Epoch).Ticks;
                var precision = type.DatetimePrecision ?? (type.ColumnType is null ? 6 : 0);
                json.WriteNumberValue(precision <= 3 ? ticks / TimeSpan.TicksPerMillisecond : ticks / 10);
                break;
            case TimeSpan span when type.ColumnType is null && type.DataType.StartsWith("time", StringComparison.Ordinal) && type.DatetimePrecision <= 3:
                json.WriteNumberValue((int)(span.Ticks / TimeSpan.TicksPerMillisecond));
                break;
            case TimeSpan span:
                json.WriteNumberValue(span.Ticks / 10);
                break;
            case TimeOnly t:
                json.WriteNumberValue(t.Ticks / 10);
                break;
            case DateTimeOffset dto:
                json.WriteStringValue(dto.ToUniversalTime().ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "Z");
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            default:
                SourceValueJson.WritePlain(json, value.Value);
                break;
        }
    }

    /// <summary>ISO-8601 in UTC with only the fraction digits needed, as Java's ISO_OFFSET_DATE_TIME prints an instant.</summary>
    internal static string Zoned(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "Z";

    /// <summary>
    /// String and precise modes both as the exact text at the column's scale: ingestion stores precise decimals decoded
    /// to that text (DebeziumDecimals), and a no-delay image must equal the stored one or it looks like a new version.
    /// </summary>
    private static void WriteDecimal(Utf8JsonWriter json, decimal value, SourceColumnType type, DecimalHandling decimals)
    {
        if (decimals == DecimalHandling.Double)
        {
            json.WriteNumberValue((double)value);
            return;
        }
        // PostgreSQL numeric without a declared scale (VariableScaleDecimal) carries the value's own scale.
        var scale = type.NumericScale ?? value.Scale;
        json.WriteStringValue(value.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    private static void WriteBits(Utf8JsonWriter json, ulong bits, long length)
    {
        if (length <= 1)
        {
            json.WriteBooleanValue(bits != 0);
            return;
        }
        // Debezium writes BIT(n) as little-endian bytes, (n + 7) / 8 of them.
        var bytes = BitConverter.GetBytes(bits);
        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }
        json.WriteBase64StringValue(bytes.AsSpan(0, (int)Math.Min(8, (length + 7) / 8)));
    }
}
