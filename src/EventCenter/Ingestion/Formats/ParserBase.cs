using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>Shared frame of the JSON parsers: any failure while reading becomes a rejection with a reason.</summary>
internal abstract class ParserBase : IEventParser
{
    public ParseResult Parse(SourceDefinition source, RawMessage message, long ingestTime)
    {
        try
        {
            if (message.Value.Length == 0)
            {
                return Empty(source, message);
            }
            using var document = JsonFields.ParseObject(message.Value);
            return ParseResult.Of(Parse(source, message, document.RootElement, ingestTime));
        }
        catch (RejectedMessageException e)
        {
            return ParseResult.Reject(e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or JsonException)
        {
            return ParseResult.Reject($"unreadable {source.Format} message: {e.Message}");
        }
    }

    /// <summary>What an empty payload means; for CDC it is a Kafka tombstone following a delete (carries nothing).</summary>
    protected virtual ParseResult Empty(SourceDefinition source, RawMessage message) => ParseResult.Of([]);

    protected abstract IReadOnlyList<ChangeEvent> Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime);

    /// <summary>Header carrying an event id assigned upstream (HTTP message-forward, RabbitMQ forwarder).</summary>
    public const string EventIdHeader = Forwarding.ForwardingHeaders.EventId;

    /// <summary>
    /// Builds an event. Its id, in order of preference: the message's own id (<paramref name="ownId"/>), the
    /// <see cref="EventIdHeader"/> header, or a content id (<see cref="ContentIds"/>) — never the position, so a
    /// message delivered twice at two offsets is still one event.
    /// </summary>
    protected static ChangeEvent Event(
        SourceDefinition source, RawMessage message, long ingestTime, int rowIndex, int rowCount,
        EventOperation operation, string key, long eventTime, byte[]? before, byte[]? after, string? ownId = null,
        ReadOnlySpan<byte> coordinates = default)
    {
        var given = ownId ?? HeaderId(message);
        var id = given is null
            ? ContentIds.For(source.Name, key, operation, eventTime, before, after, coordinates, rowIndex)
            : rowCount > 1 ? $"{given}#{rowIndex}" : given;
        return new ChangeEvent
        {
            Source = source.Name,
            EntityKey = key,
            Operation = operation,
            EventTime = eventTime,
            IngestTime = ingestTime,
            Position = message.Position,
            EventId = id,
            Before = before,
            After = after,
            Headers = JsonFields.Headers(message.Headers),
        };
    }

    private static string? HeaderId(RawMessage message) =>
        Header(message, EventIdHeader) is { Length: > 0 and <= 512 } value ? System.Text.Encoding.UTF8.GetString(value) : null;

    /// <summary>The first header named <paramref name="name"/>, or null.</summary>
    protected static byte[]? Header(RawMessage message, string name)
    {
        foreach (var (key, value) in message.Headers)
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }
}
