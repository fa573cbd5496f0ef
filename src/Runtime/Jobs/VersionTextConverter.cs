using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>
/// Reads a job version written as text (a content hash) or, in records from before versions were hashes, as a number
/// (the old per-process reload counter, read as its digits); writes text.
/// </summary>
public sealed class VersionTextConverter : JsonConverter<string>
{
    /// <inheritdoc />
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt64().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => "",
        _ => reader.GetString() ?? "",
    };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
