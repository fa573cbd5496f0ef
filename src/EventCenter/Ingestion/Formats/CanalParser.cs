using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Canal flat messages: <c>{"id":batch,"database","table","pkNames","isDdl","type","es":commit ms,"ts":build ms,
/// "sql","sqlType","mysqlType","data":[rows],"old":[changed columns' old values],"gtid"}</c>. One message may carry
/// several rows: one event each, values typed by <see cref="CanalValues"/>, ids by <see cref="CanalIds"/>. The event
/// time is <c>es</c>, else <c>ts</c>, else the Kafka timestamp. DDL (<c>isDdl</c>, CREATE/ALTER/ERASE/QUERY/RENAME/
/// CINDEX/DINDEX), TRUNCATE, GTID/XA markers and MHEARTBEAT are housekeeping. An UPDATE whose <c>old</c> changes the
/// entity key is a delete of the old key and an insert of the new (<see cref="KeyChanges"/>).
/// </summary>
internal sealed class CanalParser : ParserBase
{
    protected override ParseResult Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        EventOperation operation;
        switch (type)
        {
            case "INSERT": operation = EventOperation.Insert; break;
            case "UPDATE": operation = EventOperation.Update; break;
            case "DELETE": operation = EventOperation.Delete; break;
            default: return Housekeeping(root, type);
        }
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
        {
            throw new RejectedMessageException("Canal 'data' must be a non-empty array");
        }
        var old = root.TryGetProperty("old", out var o) && o.ValueKind == JsonValueKind.Array ? o : (JsonElement?)null;
        var eventTime = EventTimes.Known(root, "es", "es") ?? EventTimes.Known(root, "ts", "ts") ?? EventTimes.Fallback(message, ingestTime);
        var pkNames = root.TryGetProperty("pkNames", out var pk) && pk.ValueKind == JsonValueKind.Array && pk.GetArrayLength() > 0 ? PkNames(root) : null;
        var keyFields = source.KeyFields.Count > 0 ? source.KeyFields : pkNames ?? PkNames(root);
        var values = CanalValues.For(root);
        var ids = CanalIds.For(root, message.Position, HeaderId(message));
        var count = data.GetArrayLength();
        var events = new List<ChangeEvent>(count);
        var i = 0;
        foreach (var row in data.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new RejectedMessageException($"Canal data[{i}] must be an object");
            }
            // Keys are read from the text Canal sent: the same key text as before typing, for any column type.
            var key = JsonFields.Key(row, keyFields);
            var changes = operation == EventOperation.Update && old is { } olds && i < olds.GetArrayLength() ? olds[i] : (JsonElement?)null;
            byte[]? before = operation switch
            {
                EventOperation.Delete => values.Row(row),
                EventOperation.Update when changes is { } c => values.Row(row, c),
                _ => null,
            };
            var after = operation == EventOperation.Delete ? null : values.Row(row);
            // The row's primary key names it within its statement (the entity key when Canal sends no pkNames).
            var rowKey = pkNames is null ? key : JsonFields.Key(row, pkNames);
            var change = Event(source, message, ingestTime, ids.Row(i, count, rowKey), operation, key, eventTime, before, after);
            // An update that changed the key moves the row: a delete of the old key, an insert of the new (as Debezium).
            events.AddRange(KeyChanges.OldKey(row, changes, keyFields) is { } oldKey ? KeyChanges.Split(change, oldKey) : [change]);
            i++;
        }
        return ParseResult.Of(events);
    }

    private static ParseResult Housekeeping(JsonElement root, string? type)
    {
        var isDdl = root.TryGetProperty("isDdl", out var ddl) && ddl.ValueKind == JsonValueKind.True;
        long? time = null;
        try
        {
            time = EventTimes.Known(root, "es", "es") ?? EventTimes.Known(root, "ts", "ts");
        }
        catch (RejectedMessageException)
        {
            // The time of a housekeeping message is informative only.
        }
        var table = $"{JsonFields.PositionText(root, "database")}.{JsonFields.PositionText(root, "table")}";
        var sql = Shorten(JsonFields.PositionText(root, "sql"));
        return type switch
        {
            "TRUNCATE" => ParseResult.Housekeeping(HousekeepingKind.Truncate, $"truncate of {table}: {sql}", time),
            "CREATE" or "ALTER" or "ERASE" or "QUERY" or "RENAME" or "CINDEX" or "DINDEX" =>
                ParseResult.Housekeeping(HousekeepingKind.Ddl, $"{type} on {table}: {sql}", time),
            "GTID" or "XACOMMIT" or "XAROLLBACK" => ParseResult.Housekeeping(HousekeepingKind.TransactionMarker, $"{type} {JsonFields.PositionText(root, "gtid")}", time),
            "MHEARTBEAT" => ParseResult.Housekeeping(HousekeepingKind.Heartbeat, "heartbeat", time),
            _ when isDdl => ParseResult.Housekeeping(HousekeepingKind.Ddl, $"{type} on {table}: {sql}", time),
            null => throw new RejectedMessageException("missing Canal 'type'"),
            _ => throw new RejectedMessageException($"unknown Canal type '{type}'"),
        };
    }

    private static List<string> PkNames(JsonElement root) =>
        root.TryGetProperty("pkNames", out var pk) && pk.ValueKind == JsonValueKind.Array && pk.GetArrayLength() > 0
            ? pk.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RejectedMessageException("Canal pkNames must be strings")).ToList()
            : throw new RejectedMessageException("Canal message without pkNames and no KeyFields configured");
}
