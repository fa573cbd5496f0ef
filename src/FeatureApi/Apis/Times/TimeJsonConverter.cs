using System.Text.Json;
using System.Text.Json.Serialization;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Apis.Times;

/// <summary>
/// A time field of a JSON body: a number of epoch milliseconds or a string, either epoch milliseconds or ISO-8601
/// (UTC unless it carries an offset). Written as a number. Anything else fails with a message naming both forms, and a
/// number that looks like seconds (<see cref="TimeRangeCheck"/>) with a message giving the milliseconds to send.
/// </summary>
public sealed class TimeJsonConverter : JsonConverter<long>
{
    /// <inheritdoc />
    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        long ms = 0;
        var parsed = (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out ms))
            || (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && TimeText.TryParse(text.Trim(), out ms));
        if (!parsed)
        {
            throw new JsonException($"must be a time: {TimeMs.Forms}.");
        }
        return TimeRangeCheck.SecondsReason(ms) is { } seconds ? throw new JsonException($"must be a time in milliseconds: {seconds}") : ms;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }
}

/// <summary>The nullable form of <see cref="TimeJsonConverter"/>.</summary>
public sealed class NullableTimeJsonConverter : JsonConverter<long?>
{
    private static readonly TimeJsonConverter Inner = new();

    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : Inner.Read(ref reader, typeof(long), options);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v)
        {
            writer.WriteNumberValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
