using System.Security.Cryptography;
using System.Text.Json;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// The identity of the parameter values a computation ran with: 16 hex digits of the SHA-256 of every declared
/// parameter's value (defaults filled in) as JSON in name order. Live records it in the result log; a replay computes it
/// from the values in force at each event's time, so the parity check can tell a difference caused by parameters.
/// </summary>
public static class ParameterIdentity
{
    /// <summary>The identity of <paramref name="values"/> for the job declared by <paramref name="declaration"/>.</summary>
    public static string Of(JobDeclaration declaration, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(values);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var parameter in declaration.Parameters.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                json.WritePropertyName(parameter.Name);
                JsonSerializer.Serialize(json, values.TryGetValue(parameter.Name, out var value) ? value : parameter.Default);
            }
            json.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan))[..16];
    }

}
