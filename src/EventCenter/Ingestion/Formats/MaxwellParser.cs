using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Maxwell JSON: <c>{"database","table","type":"insert|update|delete|bootstrap-insert","ts":seconds,"data":{…},
/// "old":{changed columns' old values},"primary_key":…}</c>. Bootstrap start/complete markers carry no events.
/// The event time is <c>ts</c> (seconds, the binlog commit time) in ms.
/// </summary>
internal sealed class MaxwellParser : ParserBase
{
    protected override IReadOnlyList<ChangeEvent> Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        EventOperation operation;
        switch (type)
        {
            case "insert": operation = EventOperation.Insert; break;
            case "update": operation = EventOperation.Update; break;
            case "delete": operation = EventOperation.Delete; break;
            case "bootstrap-insert": operation = EventOperation.SnapshotRead; break;
            case "bootstrap-start" or "bootstrap-complete": return [];
            case null: throw new RejectedMessageException("missing Maxwell 'type'");
            default: throw new RejectedMessageException($"unknown Maxwell type '{type}'");
        }
        var data = JsonFields.Object(root, "data", optional: false)!.Value;
        if (!root.TryGetProperty("ts", out var ts))
        {
            throw new RejectedMessageException("missing Maxwell 'ts'");
        }
        var eventTime = JsonFields.Millis(ts, "ts", scale: 1000);
        var key = source.KeyFields.Count > 0 ? JsonFields.Key(data, source.KeyFields) : KeyFromPrimaryKey(root, data);
        var dataBytes = JsonFields.Bytes(data);
        byte[]? before = operation switch
        {
            EventOperation.Delete => dataBytes,
            EventOperation.Update => CanalParser.Overlay(data, JsonFields.Object(root, "old", optional: true) ?? default),
            _ => null,
        };
        return [Event(source, message, ingestTime, 0, 1, operation, key, eventTime, before, operation == EventOperation.Delete ? null : dataBytes)];
    }

    /// <summary>Maxwell's optional "primary_key" (a value or an array of values, in primary_key_columns order).</summary>
    private static string KeyFromPrimaryKey(JsonElement root, JsonElement data)
    {
        if (root.TryGetProperty("primary_key_columns", out var columns) && columns.ValueKind == JsonValueKind.Array && columns.GetArrayLength() > 0)
        {
            return JsonFields.Key(data, columns.EnumerateArray().Select(c => c.GetString() ?? "").ToList());
        }
        if (root.TryGetProperty("primary_key", out var pk))
        {
            return pk.ValueKind == JsonValueKind.Array
                ? string.Join('|', pk.EnumerateArray().Select(v => JsonFields.KeyText(v, "primary_key")))
                : JsonFields.KeyText(pk, "primary_key");
        }
        throw new RejectedMessageException("Maxwell message without primary_key and no KeyFields configured");
    }
}
