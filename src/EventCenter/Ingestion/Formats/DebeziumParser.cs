using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Debezium JSON envelopes: <c>{"before","after","op","ts_ms","source":{"ts_ms",...}}</c>, either bare
/// (schemas disabled) or wrapped as <c>{"schema":…,"payload":{…}}</c>. op c/u/d/r; the event time is the source
/// commit time (<c>source.ts_ms</c>, falling back to <c>ts_ms</c>). Empty values (tombstones) carry nothing.
/// </summary>
internal sealed class DebeziumParser : ParserBase
{
    protected override IReadOnlyList<ChangeEvent> Parse(SourceDefinition source, RawMessage message, JsonElement root, long ingestTime)
    {
        var payload = root.TryGetProperty("payload", out var wrapped) && root.TryGetProperty("schema", out _) ? wrapped : root;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new RejectedMessageException($"Debezium payload must be an object, got {payload.ValueKind}");
        }
        if (!payload.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
        {
            throw new RejectedMessageException("missing Debezium 'op'");
        }
        var operation = opElement.GetString() switch
        {
            "c" => EventOperation.Insert,
            "u" => EventOperation.Update,
            "d" => EventOperation.Delete,
            "r" => EventOperation.SnapshotRead,
            var other => throw new RejectedMessageException($"unknown Debezium op '{other}'"),
        };
        var before = JsonFields.Object(payload, "before", optional: true);
        var after = JsonFields.Object(payload, "after", optional: operation == EventOperation.Delete);
        var keyRow = operation == EventOperation.Delete
            ? before ?? throw new RejectedMessageException("Debezium delete without 'before' (enable REPLICA IDENTITY FULL or key columns)")
            : after!.Value;
        var sourceBlock = JsonFields.Object(payload, "source", optional: true);
        var time = sourceBlock is { } src && src.TryGetProperty("ts_ms", out var sourceTs)
            ? sourceTs
            : payload.TryGetProperty("ts_ms", out var ts) ? ts : throw new RejectedMessageException("missing Debezium 'source.ts_ms' and 'ts_ms'");
        var key = source.KeyFields.Count > 0 ? JsonFields.Key(keyRow, source.KeyFields) : KeyFromMessageKey(message);
        return
        [
            Event(source, message, ingestTime, 0, 1, operation, key, JsonFields.Millis(time, "source.ts_ms"),
                before is { } b ? JsonFields.Bytes(b) : null, after is { } a ? JsonFields.Bytes(a) : null,
                coordinates: sourceBlock is { } block ? JsonFields.Bytes(block) : default),
        ];
    }

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
