using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>
/// The JSON form of source definitions: how they are stored in the metadata store and exchanged over the API
/// (camelCase names, enums as names, time spans as <c>hh:mm:ss[.fff]</c>).
/// </summary>
public static class SourceDefinitions
{
    /// <summary>The serializer options of the stored and exchanged form.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The definition as JSON.</summary>
    public static string ToJson(SourceDefinition source) => JsonSerializer.Serialize(source, Options);

    /// <summary>A definition from JSON.</summary>
    /// <exception cref="JsonException">Not a definition (the message and <see cref="JsonException.Path"/> name the field).</exception>
    public static SourceDefinition FromJson(string json) =>
        JsonSerializer.Deserialize<SourceDefinition>(json, Options) ?? throw new JsonException("A source definition must be a JSON object.");

    /// <summary>True when both define the same source in every setting.</summary>
    public static bool Same(SourceDefinition a, SourceDefinition b) => ReferenceEquals(a, b) || ToJson(a) == ToJson(b);
}
