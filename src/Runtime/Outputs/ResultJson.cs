using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// The JSON form of a result shared by the Kafka, RabbitMQ and backtest outputs:
/// <c>{"job","job_version","result_id","source","key","event_id","event_time","row_index","values":{…}}</c>, plus
/// <c>"models":{name: version}</c> for a job that declares models.
/// </summary>
/// <remarks>
/// Values keep their types (long, double, bool, string, null). Non-finite doubles, which JSON cannot carry as
/// numbers, are written as the strings "NaN", "Infinity" and "-Infinity" (.NET's named floating-point literals).
/// </remarks>
internal static class ResultJson
{
    /// <summary>The whole result document as UTF-8.</summary>
    public static byte[] Serialize(FeatureResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, result);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Only the values object (<c>{"column": value, …}</c>) as UTF-8.</summary>
    public static byte[] SerializeValues(FeatureResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteValues(writer, result);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the whole result document.</summary>
    public static void Write(Utf8JsonWriter writer, FeatureResult result)
    {
        writer.WriteStartObject();
        writer.WriteString("job", result.Job);
        writer.WriteString("job_version", result.JobVersion);
        writer.WriteString("result_id", result.ResultId);
        writer.WriteString("source", result.Trigger.Source);
        writer.WriteString("key", result.Key);
        writer.WriteString("event_id", result.Trigger.EventId);
        writer.WriteNumber("event_time", result.EventTime);
        writer.WriteNumber("row_index", result.RowIndex);
        if (result.Correction)
        {
            // Replaces the row with the same result_id sent before (late-data repair, correction replay).
            writer.WriteBoolean("correction", true);
        }
        if (result.Models.Count > 0)
        {
            // The model versions the logic ran with (docs/models.md).
            writer.WriteStartObject("models");
            foreach (var (model, version) in result.Models)
            {
                writer.WriteString(model, version);
            }
            writer.WriteEndObject();
        }
        writer.WritePropertyName("values");
        WriteValues(writer, result);
        writer.WriteEndObject();
    }

    public static void WriteValues(Utf8JsonWriter writer, FeatureResult result)
    {
        writer.WriteStartObject();
        foreach (var (column, value) in result.Values)
        {
            writer.WritePropertyName(column);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); // "NaN", "Infinity", "-Infinity"
                break;
            case float f:
                WriteValue(writer, (double)f);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case JsonElement e:
                e.WriteTo(writer);
                break;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType());
                break;
        }
    }
}
