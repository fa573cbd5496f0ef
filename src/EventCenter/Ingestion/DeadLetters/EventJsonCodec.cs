using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.DeadLetters;

/// <summary>
/// A change event as self-describing JSON for people and the API (conflict records): source, entity, operation, times,
/// position, id, images (as JSON when they are JSON, else base64) and headers.
/// </summary>
public static class EventJsonCodec
{
    /// <summary>The event as UTF-8 JSON.</summary>
    public static byte[] Encode(ChangeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var headers = new JsonObject();
        foreach (var (name, value) in e.Headers)
        {
            headers[name] = value;
        }
        var json = new JsonObject
        {
            ["source"] = e.Source,
            ["key"] = e.EntityKey,
            ["op"] = e.Operation.ToString(),
            ["eventTime"] = e.EventTime,
            ["ingestTime"] = e.IngestTime,
            ["eventId"] = e.EventId,
            ["position"] = new JsonObject { ["stream"] = e.Position.Stream, ["partition"] = e.Position.Partition, ["offset"] = e.Position.Offset },
            ["before"] = Image(e.Before),
            ["after"] = Image(e.After),
            ["headers"] = headers,
        };
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    private static JsonNode? Image(byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            return new JsonObject { ["base64"] = Convert.ToBase64String(bytes) };
        }
    }
}
