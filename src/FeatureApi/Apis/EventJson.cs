using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>A stored change event as the API returns it; images are embedded as JSON.</summary>
/// <param name="Source">Source name.</param>
/// <param name="Key">Entity key.</param>
/// <param name="Operation">insert, update, delete, snapshotRead or message.</param>
/// <param name="EventTime">Event time, ms since the Unix epoch.</param>
/// <param name="IngestTime">When the event center received it, ms since the Unix epoch.</param>
/// <param name="EventId">The event's id within its source.</param>
/// <param name="Stream">Topic/queue/endpoint it was read from.</param>
/// <param name="Partition">Partition.</param>
/// <param name="Offset">Offset.</param>
/// <param name="Before">Image before the change, if any.</param>
/// <param name="After">Image after the change (or message body), if any.</param>
/// <param name="Headers">Transport headers.</param>
public sealed record EventJson(
    string Source,
    string Key,
    string Operation,
    long EventTime,
    long IngestTime,
    string EventId,
    string Stream,
    int Partition,
    long Offset,
    JsonElement? Before,
    JsonElement? After,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>Converts a stored event; images that are not valid JSON are returned as JSON strings.</summary>
    public static EventJson From(ChangeEvent e) => new(
        e.Source,
        e.EntityKey,
        JsonNamingPolicy.CamelCase.ConvertName(e.Operation.ToString()),
        e.EventTime,
        e.IngestTime,
        e.EventId,
        e.Position.Stream,
        e.Position.Partition,
        e.Position.Offset,
        Image(e.Before),
        Image(e.After),
        e.Headers);

    private static JsonElement? Image(byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(bytes));
        }
    }
}
