using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Maxwell JSON: <c>{"database","table","type":"insert|update|delete|bootstrap-insert","ts":seconds,"xid","xoffset",
/// "commit","position":"binlog.000003:1234","data":{…},"old":{changed columns' old values},"primary_key",
/// "primary_key_columns"}</c>. The entity key comes from KeyFields, else <c>primary_key_columns</c>/<c>primary_key</c>,
/// else the Kafka key Maxwell writes (<see cref="MaxwellKeys"/>). Ids come from the binlog position
/// (<see cref="MaxwellIds"/>). The event time is <c>ts</c> (seconds), else the Kafka timestamp. DDL
/// (table-*/database-*), bootstrap-start/-complete and heartbeats are housekeeping. An update whose <c>old</c> changes
/// the entity key is a delete of the old key and an insert of the new (<see cref="KeyChanges"/>).
/// </summary>
internal sealed class MaxwellParser : ParserBase
{
    protected override ParseResult Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        EventOperation operation;
        switch (type)
        {
            case "insert": operation = EventOperation.Insert; break;
            case "update": operation = EventOperation.Update; break;
            case "delete": operation = EventOperation.Delete; break;
            case "bootstrap-insert": operation = EventOperation.SnapshotRead; break;
            case null: throw new RejectedMessageException("missing Maxwell 'type'");
            default: return Housekeeping(root, type);
        }
        var data = JsonFields.Object(root, "data", optional: false)!.Value;
        var eventTime = EventTimes.Known(root, "ts", "ts", scale: Seconds(root)) ?? EventTimes.Fallback(message, ingestTime);
        var key = source.KeyFields.Count > 0 ? JsonFields.Key(data, source.KeyFields) : MaxwellKeys.Key(root, data, message.Key);
        var dataBytes = JsonFields.Bytes(data);
        var changes = operation == EventOperation.Update ? JsonFields.Object(root, "old", optional: true) : null;
        byte[]? before = operation switch
        {
            EventOperation.Delete => dataBytes,
            EventOperation.Update => RowImages.Overlay(data, changes ?? default),
            _ => null,
        };
        // Without a log position, a forwarder's pinned id (HTTP, AMQP message id) before the bus position: the id it answered.
        var id = MaxwellIds.For(root, key) ?? HeaderId(message) ?? EventIds.FromPosition(message.Position);
        var change = Event(source, message, ingestTime, id, operation, key, eventTime, before, operation == EventOperation.Delete ? null : dataBytes);
        // An update that changed the key moves the row: a delete of the old key, an insert of the new (as Debezium).
        var keyColumns = source.KeyFields.Count > 0 ? source.KeyFields : MaxwellKeys.Columns(root, message.Key);
        return ParseResult.Of(changes is not null && keyColumns is not null && KeyChanges.OldKey(data, changes, keyColumns) is { } oldKey
            ? KeyChanges.Split(change, oldKey)
            : [change]);
    }

    /// <summary>Maxwell's <c>ts</c> is in seconds: a value that reads as milliseconds (a hand-made or re-encoded message) is named as such.</summary>
    private static long Seconds(JsonElement root)
    {
        if (root.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var value) && value >= TimeRangeCheck.SmallestMs)
        {
            throw new RejectedMessageException($"Maxwell 'ts' is seconds since 1970; {value} looks like milliseconds (send {value / 1000})");
        }
        return 1000;
    }

    private static ParseResult Housekeeping(JsonElement root, string type)
    {
        long? time = null;
        try
        {
            time = EventTimes.Known(root, "ts", "ts", scale: 1000);
        }
        catch (RejectedMessageException)
        {
            // The time of a housekeeping message is informative only.
        }
        var table = $"{JsonFields.PositionText(root, "database")}.{JsonFields.PositionText(root, "table")}";
        return type switch
        {
            "bootstrap-start" or "bootstrap-complete" => ParseResult.Housekeeping(HousekeepingKind.BootstrapMarker, $"{type} of {table}", time),
            "heartbeat" => ParseResult.Housekeeping(HousekeepingKind.Heartbeat, "heartbeat", time),
            "table-create" or "table-alter" or "table-drop" or "database-create" or "database-alter" or "database-drop" =>
                ParseResult.Housekeeping(HousekeepingKind.Ddl, $"{type} {table}: {Shorten(JsonFields.PositionText(root, "sql"))}", time),
            _ => throw new RejectedMessageException($"unknown Maxwell type '{type}'"),
        };
    }
}
