using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Shared frame of the JSON parsers: tombstones (empty value, JSON <c>null</c>) are recognised before the format
/// sees the message, and any failure while reading becomes a rejection with a reason.
/// </summary>
internal abstract class ParserBase : IEventParser
{
    /// <summary>Header carrying an event id assigned upstream (HTTP message-forward, RabbitMQ forwarder).</summary>
    public const string EventIdHeader = Forwarding.ForwardingHeaders.EventId;

    public ParseResult Parse(SourceDefinition source, RawMessage message, long ingestTime)
    {
        try
        {
            if (message.Value.Length == 0)
            {
                return Empty(source, message);
            }
            using var document = JsonFields.ParseObjectOrNull(message.Value);
            return document.RootElement.ValueKind == JsonValueKind.Null
                ? NullValue(source, message)
                : Parse(source, message, document.RootElement, ingestTime);
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

    /// <summary>An empty payload: for CDC a Kafka tombstone following a delete (it lets compaction drop the key).</summary>
    protected virtual ParseResult Empty(SourceDefinition source, RawMessage message) =>
        ParseResult.Housekeeping(HousekeepingKind.Tombstone, "tombstone (empty value)" + KeyNote(message), null);

    /// <summary>A JSON <c>null</c> payload: how some converters write a tombstone.</summary>
    protected virtual ParseResult NullValue(SourceDefinition source, RawMessage message) =>
        ParseResult.Housekeeping(HousekeepingKind.Tombstone, "tombstone (JSON null value)" + KeyNote(message), null);

    protected abstract ParseResult Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime);

    /// <summary>Builds an event with the id the format derived from the source position (see <see cref="EventIds"/>).</summary>
    protected static ChangeEvent Event(
        SourceDefinition source, RawMessage message, long ingestTime, string eventId,
        EventOperation operation, string key, long eventTime, byte[]? before, byte[]? after) => new()
        {
            Source = source.Name,
            EntityKey = key,
            Operation = operation,
            EventTime = eventTime,
            IngestTime = ingestTime,
            Position = message.Position,
            EventId = eventId,
            Before = before,
            After = after,
            Headers = JsonFields.Headers(message.Headers),
        };

    /// <summary>
    /// The id an upstream forwarder pinned in the <see cref="EventIdHeader"/> header, or null. An id starting with
    /// the bus-position prefix is ignored: that prefix is reserved for ids made from the bus position.
    /// </summary>
    protected static string? HeaderId(RawMessage message) =>
        // 1-512 characters as forwarders pin them (and as id fields allow), not bytes: a non-ASCII id of 300
        // characters still names its event. 512 UTF-16 characters take at most 1536 UTF-8 bytes.
        Header(message, EventIdHeader) is { Length: > 0 and <= 1536 } value && value[0] != (byte)EventIds.BusPositionPrefix
            && System.Text.Encoding.UTF8.GetString(value) is { Length: <= 512 } id
            ? id
            : null;

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

    /// <summary>A text shortened for logs and housekeeping descriptions.</summary>
    protected static string Shorten(string? text, int max = 160) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";

    private static string KeyNote(RawMessage message) =>
        message.Key is { Length: > 0 } key ? " for key " + Shorten(System.Text.Encoding.UTF8.GetString(key), 100) : "";
}
