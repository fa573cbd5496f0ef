using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// Serves the logic's <c>ctx.fetch</c> and <c>ctx.history</c> from the event center, with the requested
/// consistency level. The same data source serves live, replay and call runs, so fetches behave identically in all.
/// </summary>
/// <remarks>
/// PyBridge calls these synchronously on its own worker threads (the Python logic is waiting for the answer); the
/// event-center reads are asynchronous, so they are awaited to completion here. Those threads are not thread-pool
/// threads, so the blocking holds no pool thread hostage.
/// </remarks>
public sealed class EventCenterDataSource(IEventReader events, ConsistentFetcher fetcher, TimeSpan fetchTimeout) : IFeatureDataSource
{
    private long fetches;
    private long histories;

    /// <summary>Fetches served.</summary>
    public long Fetches => Interlocked.Read(ref fetches);

    /// <summary>History reads served.</summary>
    public long Histories => Interlocked.Read(ref histories);

    /// <inheritdoc />
    public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
    {
        Interlocked.Increment(ref fetches);
        var state = fetcher.FetchAsync(source, key, asOfMs, ToLevel(consistency), fetchTimeout).AsTask().GetAwaiter().GetResult();
        return state.Json is null ? null : Encoding.UTF8.GetString(state.Json);
    }

    /// <inheritdoc />
    public string History(string source, string key, long sinceMs, long untilMs, int limit) =>
        HistoryAsync(source, key, sinceMs, untilMs, limit).GetAwaiter().GetResult();

    private async Task<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit)
    {
        Interlocked.Increment(ref histories);
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            var count = 0;
            // The SDK's range is inclusive at both ends; the event center's is [from, to).
            var to = untilMs == long.MaxValue ? long.MaxValue : untilMs + 1;
            await foreach (var e in events.GetHistoryAsync(source, key, sinceMs, to))
            {
                json.WriteStartObject();
                json.WriteNumber("time_ms", e.EventTime);
                json.WriteString("op", JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Operation.ToString()));
                json.WritePropertyName("data");
                WriteImage(json, e.After ?? e.Before);
                json.WriteEndObject();
                if (++count == limit)
                {
                    break;
                }
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteImage(Utf8JsonWriter json, byte[]? image)
    {
        if (image is null)
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(image);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                document.RootElement.WriteTo(json);
                return;
            }
        }
        catch (JsonException)
        {
        }
        // Logic always gets a dict: a non-object image is wrapped.
        json.WriteStartObject();
        json.WriteString("value", Encoding.UTF8.GetString(image));
        json.WriteEndObject();
    }

    /// <summary>The event center's level for the SDK's.</summary>
    public static ConsistencyLevel ToLevel(Consistency consistency) => consistency switch
    {
        Consistency.TriggerStrong => ConsistencyLevel.TriggerStrong,
        Consistency.FetchStrong => ConsistencyLevel.FetchStrong,
        Consistency.FetchStrongNoDelay => ConsistencyLevel.FetchStrongNoDelay,
        _ => ConsistencyLevel.Eventual,
    };
}
