using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Canal JSON: <c>{"type":"INSERT|UPDATE|DELETE","data":[rows],"old":[changed columns' old values],"pkNames":[…],
/// "es":commit ms,"ts":ms,"isDdl":bool}</c>. One message may carry several rows: one event each. DDL messages
/// carry no events. The event time is <c>es</c> (binlog commit time), falling back to <c>ts</c>.
/// </summary>
internal sealed class CanalParser : ParserBase
{
    protected override IReadOnlyList<ChangeEvent> Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        if (root.TryGetProperty("isDdl", out var ddl) && ddl.ValueKind == JsonValueKind.True)
        {
            return [];
        }
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var operation = type switch
        {
            "INSERT" => EventOperation.Insert,
            "UPDATE" => EventOperation.Update,
            "DELETE" => EventOperation.Delete,
            null => throw new RejectedMessageException("missing Canal 'type'"),
            _ => throw new RejectedMessageException($"unknown Canal type '{type}'"),
        };
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
        {
            throw new RejectedMessageException("Canal 'data' must be a non-empty array");
        }
        var old = root.TryGetProperty("old", out var o) && o.ValueKind == JsonValueKind.Array ? o : (JsonElement?)null;
        var timeElement = root.TryGetProperty("es", out var es) && es.ValueKind != JsonValueKind.Null ? es
            : root.TryGetProperty("ts", out var ts) ? ts : throw new RejectedMessageException("missing Canal 'es' and 'ts'");
        var eventTime = JsonFields.Millis(timeElement, "es");
        var keyFields = source.KeyFields.Count > 0 ? source.KeyFields : PkNames(root);
        var count = data.GetArrayLength();
        var events = new List<ChangeEvent>(count);
        var i = 0;
        foreach (var row in data.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new RejectedMessageException($"Canal data[{i}] must be an object");
            }
            var key = JsonFields.Key(row, keyFields);
            var rowBytes = JsonFields.Bytes(row);
            byte[]? before = operation switch
            {
                EventOperation.Delete => rowBytes,
                EventOperation.Update when old is { } olds && i < olds.GetArrayLength() => Overlay(row, olds[i]),
                _ => null,
            };
            var after = operation == EventOperation.Delete ? null : rowBytes;
            events.Add(Event(source, message, ingestTime, i, count, operation, key, eventTime, before, after));
            i++;
        }
        return events;
    }

    private static List<string> PkNames(JsonElement root) =>
        root.TryGetProperty("pkNames", out var pk) && pk.ValueKind == JsonValueKind.Array && pk.GetArrayLength() > 0
            ? pk.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RejectedMessageException("Canal pkNames must be strings")).ToList()
            : throw new RejectedMessageException("Canal message without pkNames and no KeyFields configured");

    /// <summary>The row before an update: the new row with the changed columns' old values put back.</summary>
    internal static byte[] Overlay(JsonElement row, JsonElement changes)
    {
        var before = JsonNode.Parse(row.GetRawText())!.AsObject();
        if (changes.ValueKind == JsonValueKind.Object)
        {
            foreach (var column in changes.EnumerateObject())
            {
                before[column.Name] = JsonNode.Parse(column.Value.GetRawText());
            }
        }
        return System.Text.Encoding.UTF8.GetBytes(before.ToJsonString());
    }
}
