using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.SourceDb;

/// <summary>Turns a data-reader row into a JSON object and its key text.</summary>
internal static class RowJson
{
    /// <summary>The current row; with <paramref name="types"/>, also its typed values (<see cref="SourceRow.Values"/>).</summary>
    public static SourceRow Read(DbDataReader reader, IReadOnlyList<string> keyColumns, string? timeColumn, IReadOnlyDictionary<string, SourceColumnType>? types = null)
    {
        var values = new List<SourceValue>(types is null ? 0 : reader.FieldCount);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var name = reader.GetName(i);
                var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                json.WritePropertyName(name);
                Write(json, value);
                if (types is not null)
                {
                    var type = types.GetValueOrDefault(name) ?? new SourceColumnType(name, reader.GetDataTypeName(i).ToLowerInvariant(), null, null, null, null);
                    values.Add(new SourceValue(type, value));
                }
            }
            json.WriteEndObject();
        }
        var key = string.Join('|', keyColumns.Select(c => KeyText(reader.GetValue(reader.GetOrdinal(c)))));
        long? changedAt = null;
        if (timeColumn is not null && reader.GetValue(reader.GetOrdinal(timeColumn)) is { } time and not DBNull)
        {
            changedAt = time switch
            {
                DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
                DateTimeOffset o => o.ToUnixTimeMilliseconds(),
                long l => l,
                int n => n,
                _ => null,
            };
        }
        return new SourceRow(key, buffer.ToArray(), changedAt) { Values = values };
    }

    /// <summary>The text form of a key value, as a JSON scalar's text would be.</summary>
    public static string KeyText(object? value) => value switch
    {
        null or DBNull => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Null, temporal values and bytes as the driver gives them; every other value as all formats write it.</summary>
    private static void Write(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case DateTime dt:
                json.WriteStringValue(DateTime.SpecifyKind(dt, dt.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : dt.Kind).ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset dto:
                json.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case TimeOnly time:
                json.WriteStringValue(time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'));
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            default:
                Images.SourceValueJson.WritePlain(json, value);
                break;
        }
    }
}
