using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Choosing an event time from a connector's candidates. A 0 (some connectors' snapshot rows) or absent field is
/// "unknown", never 1970: the next candidate is used, then the transport timestamp, then the ingest time.
/// </summary>
internal static class EventTimes
{
    /// <summary>The field as ms when present and positive; null when absent, null or 0. Malformed values are rejected.</summary>
    public static long? Known(JsonElement? element, string field, long scale = 1) =>
        element is { ValueKind: not JsonValueKind.Null } value && JsonFields.Millis(value, field, scale) is > 0 and var ms ? ms : null;

    /// <summary>The named property of <paramref name="owner"/> as in <see cref="Known(JsonElement?, string, long)"/>.</summary>
    public static long? Known(JsonElement? owner, string property, string field, long scale = 1) =>
        owner is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(property, out var value) ? Known(value, field, scale) : null;

    /// <summary>When no field of the message knows: the transport's timestamp, else the time of ingestion.</summary>
    public static long Fallback(RawMessage message, long ingestTime) => message.TimestampMs > 0 ? message.TimestampMs : ingestTime;
}
