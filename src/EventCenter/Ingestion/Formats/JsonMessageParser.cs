using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Plain JSON messages (RabbitMQ, HTTP message-forward, application topics): the body is the after-image; the key,
/// time and id are found at the source's configured paths (without a time path: the forwarder's pinned
/// <c>fp-event-time</c> header, else the transport timestamp). The event id is the configured id field, else the id
/// a forwarder pinned (<c>fp-event-id</c>: the AMQP message id, or the id the HTTP API gave), else the bus position.
/// A keyed empty or JSON <c>null</c> value is a Kafka tombstone — the delete marker log compaction acts on — and is
/// housekeeping: a JSON source is a stream of messages, not a table of rows, so there is no row to delete, and its
/// entity key comes from the body, which a tombstone does not have. Without a key (HTTP, AMQP, a keyless Kafka
/// message) an empty body or a JSON <c>null</c> is no tombstone and is rejected.
/// </summary>
internal sealed class JsonMessageParser : ParserBase
{
    protected override ParseResult Empty(SourceDefinition source, RawMessage message) =>
        message.Key is { Length: > 0 } ? base.Empty(source, message) : ParseResult.Reject("empty message body (and no message key: not a tombstone)");

    protected override ParseResult NullValue(SourceDefinition source, RawMessage message) =>
        message.Key is { Length: > 0 } ? base.NullValue(source, message) : ParseResult.Reject("expected a JSON object, got Null (and no message key: not a tombstone)");

    protected override ParseResult Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var key = JsonFields.Key(root, source.KeyFields);
        long eventTime;
        if (source.TimeField is null)
        {
            // A forwarder may have pinned the time (AMQP timestamp, HTTP receipt) so a re-forwarded copy keeps it.
            eventTime = Header(message, Forwarding.ForwardingHeaders.EventTime) is { } pinned
                && long.TryParse(System.Text.Encoding.UTF8.GetString(pinned), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0
                ? ms
                : message.TimestampMs;
        }
        else
        {
            eventTime = JsonFields.Find(root, source.TimeField) is { } time
                ? JsonFields.FlexibleTime(time, source.TimeField)
                : throw new RejectedMessageException($"missing time field '{source.TimeField}'");
        }
        string? id = null;
        if (source.IdField is not null && JsonFields.Find(root, source.IdField) is { } idElement)
        {
            id = JsonFields.KeyText(idElement, source.IdField);
            if (id.Length is 0 or > 512 || id[0] == '@')
            {
                throw new RejectedMessageException($"id field '{source.IdField}' must be 1-512 characters not starting with '@'");
            }
        }
        id ??= HeaderId(message) ?? EventIds.FromPosition(message.Position);
        return ParseResult.Of([Event(source, message, ingestTime, id, EventOperation.Message, key, eventTime, null, message.Value)]);
    }
}
