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

    /// <summary>Builds an event; rows after the first of a multi-row message get "#index" ids.</summary>
    protected static ChangeEvent Event(
        SourceDefinition source, RawMessage message, long ingestTime, int rowIndex, int rowCount,
        EventOperation operation, string key, long eventTime, byte[]? before, byte[]? after, string? ownId = null)
    {
        var id = ownId ?? EventIds.FromPosition(message.Position);
        return new ChangeEvent
        {
            Source = source.Name,
            EntityKey = key,
            Operation = operation,
            EventTime = eventTime,
            IngestTime = ingestTime,
            Position = message.Position,
            EventId = rowCount > 1 ? $"{id}#{rowIndex}" : id,
            Before = before,
            After = after,
            Headers = JsonFields.Headers(message.Headers),
        };
    }
}
