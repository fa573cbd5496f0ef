using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// The bytes a decoded AMQP header value is forwarded as: a string as its UTF-8 text, anything else as JSON
/// (numbers — NaN and infinities as strings, JSON has none —, <c>true</c>/<c>false</c>, a timestamp as Unix seconds, tables as objects, arrays as arrays with string
/// values as JSON strings), so typed headers — the broker's own <c>x-death</c> array of tables included — stay readable
/// instead of becoming .NET type names.
/// </summary>
internal static class AmqpHeaderValues
{
    /// <summary>The forwarded bytes of <paramref name="value"/>.</summary>
    public static byte[] Bytes(object value) => value switch
    {
        byte[] bytes => bytes, // AMQP long strings arrive as bytes
        string text => Encoding.UTF8.GetBytes(text),
        _ => Json(value),
    };

    private static byte[] Json(object value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }
        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case byte[] bytes:
                writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case AmqpTimestamp time:
                writer.WriteNumberValue(time.UnixTime);
                break;
            case BinaryTableValue binary:
                writer.WriteBase64StringValue(binary.Bytes);
                break;
            case IDictionary<string, object?> table:
                writer.WriteStartObject();
                foreach (var (name, item) in table)
                {
                    writer.WritePropertyName(name);
                    Write(writer, item);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong big:
                writer.WriteNumberValue(big);
                break;
            case decimal exact:
                writer.WriteNumberValue(exact);
                break;
            case double or float when double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
