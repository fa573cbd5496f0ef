using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Debezium JSON, bare (schemas disabled) or wrapped as <c>{"schema":…,"payload":{…}}</c>. Row changes (op c/u/d/r)
/// become events identified by the <c>source</c> block's log position (<see cref="DebeziumIds"/>); the event time is
/// the source commit time <c>source.ts_ms</c>, else the envelope's <c>ts_ms</c>, else the Kafka timestamp.
/// Everything else Debezium emits is housekeeping: tombstones in every shape, op <c>t</c> (truncate), op <c>m</c>
/// (logical-decoding message), schema-change events (<c>ddl</c>/<c>tableChanges</c>), heartbeats
/// (<c>{"ts_ms":…}</c>) and transaction metadata (<c>status</c> BEGIN/END).
/// </summary>
internal sealed class DebeziumParser : ParserBase
{
    protected override ParseResult Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var payload = Payload(root);
        if (payload.ValueKind == JsonValueKind.Null)
        {
            return ParseResult.Housekeeping(HousekeepingKind.Tombstone, "tombstone (null payload)", null);
        }
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new RejectedMessageException($"Debezium payload must be an object, got {payload.ValueKind}");
        }
        if (!payload.TryGetProperty("op", out var opElement) || opElement.ValueKind == JsonValueKind.Null)
        {
            return DebeziumHousekeeping.Recognise(message, payload)
                ?? throw new RejectedMessageException("missing Debezium 'op' (and not a schema change, heartbeat or transaction marker)");
        }
        if (opElement.ValueKind != JsonValueKind.String)
        {
            throw new RejectedMessageException("Debezium 'op' must be a string");
        }
        var sourceBlock = JsonFields.Object(payload, "source", optional: true);
        var operation = opElement.GetString() switch
        {
            "c" => EventOperation.Insert,
            "u" => EventOperation.Update,
            "d" => EventOperation.Delete,
            "r" => EventOperation.SnapshotRead,
            "t" => (EventOperation?)null,
            "m" => null,
            var other => throw new RejectedMessageException($"unknown Debezium op '{other}'"),
        };
        if (operation is not { } op)
        {
            return DebeziumHousekeeping.TruncateOrMessage(opElement.GetString()!, payload, sourceBlock);
        }
        var before = JsonFields.Object(payload, "before", optional: true);
        var after = JsonFields.Object(payload, "after", optional: op == EventOperation.Delete);
        var keyRow = op == EventOperation.Delete
            ? before ?? throw new RejectedMessageException("Debezium delete without 'before' (enable REPLICA IDENTITY FULL or key columns)")
            : after!.Value;
        var key = source.KeyFields.Count > 0 ? JsonFields.Key(keyRow, source.KeyFields) : KeyFromMessageKey(message);
        var eventTime = EventTimes.Known(sourceBlock, "ts_ms", "source.ts_ms")
            ?? EventTimes.Known(payload, "ts_ms", "ts_ms")
            ?? EventTimes.Fallback(message, ingestTime);
        // Without a log position, a forwarder's pinned id (HTTP, AMQP message id) before the bus position: the id it answered.
        var id = DebeziumIds.For(sourceBlock, payload, op, key) ?? HeaderId(message) ?? EventIds.FromPosition(message.Position);
        var change = Event(source, message, ingestTime, id, op, key, eventTime,
            before is { } b ? DebeziumDecimals.Row(b, DebeziumDecimals.Scales(root, "before")) : null,
            after is { } a ? DebeziumDecimals.Row(a, DebeziumDecimals.Scales(root, "after")) : null);
        // An update that moved the row to another KeyFields value: a delete of the old key, an insert of the new.
        return ParseResult.Of(op == EventOperation.Update && KeyChanges.OldKey(before, source.KeyFields, key) is { } oldKey
            ? KeyChanges.Split(change, oldKey)
            : [change]);
    }

    /// <summary>The envelope: <c>payload</c> when the converter wrapped it with a schema (or alone), else the root itself.</summary>
    private static JsonElement Payload(JsonElement root) =>
        root.TryGetProperty("payload", out var payload) && (root.TryGetProperty("schema", out _) || !root.TryGetProperty("op", out _))
            ? payload
            : root;

    /// <summary>Without KeyFields, the Kafka key Debezium writes (the primary-key struct) names the entity.</summary>
    private static string KeyFromMessageKey(RawMessage message)
    {
        if (message.Key is not { Length: > 0 } keyBytes)
        {
            throw new RejectedMessageException("no KeyFields configured and the message has no key");
        }
        using var key = JsonFields.ParseObject(keyBytes);
        var root = key.RootElement.TryGetProperty("payload", out var p) && p.ValueKind == JsonValueKind.Object ? p : key.RootElement;
        var fields = root.EnumerateObject().Select(f => f.Name).ToList();
        return JsonFields.Key(root, fields);
    }
}
