using System.Text.Json;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>The Debezium messages that are not row changes, recognised by the shapes Debezium documents.</summary>
internal static class DebeziumHousekeeping
{
    /// <summary>Topic prefix of Debezium heartbeats (<c>__debezium-heartbeat.&lt;topic.prefix&gt;</c>).</summary>
    public const string HeartbeatTopicPrefix = "__debezium-heartbeat";

    /// <summary>A payload without <c>op</c>: a schema change, a transaction marker or a heartbeat; null when none of these.</summary>
    public static ParseResult? Recognise(RawMessage message, JsonElement payload)
    {
        var sourceBlock = payload.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.Object ? s : (JsonElement?)null;
        var time = Time(payload, sourceBlock);
        if (payload.TryGetProperty("ddl", out _) || payload.TryGetProperty("tableChanges", out _))
        {
            var database = JsonFields.PositionText(payload, "databaseName");
            var ddl = JsonFields.PositionText(payload, "ddl");
            return ParseResult.Housekeeping(HousekeepingKind.Ddl, $"schema change in '{database}': {Shorten(ddl)}", time);
        }
        if (payload.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && payload.TryGetProperty("id", out _))
        {
            return ParseResult.Housekeeping(HousekeepingKind.TransactionMarker, $"transaction {status.GetString()} {JsonFields.PositionText(payload, "id")}", time);
        }
        var onlyTime = payload.EnumerateObject().All(p => p.Name == "ts_ms");
        if (message.Position.Stream.StartsWith(HeartbeatTopicPrefix, StringComparison.Ordinal) || (onlyTime && payload.TryGetProperty("ts_ms", out _)))
        {
            return ParseResult.Housekeeping(HousekeepingKind.Heartbeat, "heartbeat", time);
        }
        return null;
    }

    /// <summary>Op <c>t</c> (a table truncated) or op <c>m</c> (a logical-decoding message, PostgreSQL).</summary>
    public static ParseResult TruncateOrMessage(string op, JsonElement payload, JsonElement? sourceBlock)
    {
        var time = Time(payload, sourceBlock);
        if (op == "t")
        {
            var table = sourceBlock is { } block ? $"{JsonFields.PositionText(block, "db")}.{JsonFields.PositionText(block, "table")}" : "(unknown table)";
            return ParseResult.Housekeeping(HousekeepingKind.Truncate, $"truncate of {table}", time);
        }
        var prefix = payload.TryGetProperty("message", out var m) ? JsonFields.PositionText(m, "prefix") : null;
        return ParseResult.Housekeeping(HousekeepingKind.Other, $"logical-decoding message (prefix '{prefix}')", time);
    }

    private static long? Time(JsonElement payload, JsonElement? sourceBlock)
    {
        try
        {
            return EventTimes.Known(sourceBlock, "ts_ms", "source.ts_ms") ?? EventTimes.Known(payload, "ts_ms", "ts_ms");
        }
        catch (RejectedMessageException)
        {
            // A housekeeping message with an odd time is still what it is; its time is just unknown.
            return null;
        }
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 160 ? text : text[..160] + "…";
}
