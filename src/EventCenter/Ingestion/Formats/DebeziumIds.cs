using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Event ids from a Debezium <c>source</c> block: where the change sits in the database's log, per connector kind.
/// A connector re-sending a change (after a restart, at a new Kafka offset) repeats the same block, so the same id;
/// two changes never share a block. Every id starts with <c>dbz:</c> and the connector's logical name
/// (<c>source.name</c>), so two servers feeding one source cannot collide.
/// <list type="bullet">
/// <item>mysql: <c>server_id:file:pos:row</c> (one binlog rows event = file/pos; <c>row</c> = the row inside it).</item>
/// <item>postgresql: <c>lsn:txId</c> (each change has its own WAL position).</item>
/// <item>sqlserver: <c>commit_lsn:change_lsn:event_serial_no</c>.</item>
/// <item>oracle: <c>commit_scn:scn:rs_id:ssn:redo_thread:row_id</c> plus table and key (changes of one statement may
/// share an SCN; <c>rs_id</c>/<c>ssn</c> tell redo records apart where the version reports them).</item>
/// <item>mongodb: <c>rs:ts_ms:ord:txnNumber</c> plus collection and key (the operations of one transaction share the
/// cluster time).</item>
/// <item>snapshot rows (op <c>r</c> or <c>source.snapshot</c> set): all rows of a snapshot share one log position,
/// so the table and the row's key are added.</item>
/// <item>other connectors: whichever common position fields the block has (<c>lsn</c>, <c>scn</c>, <c>pos</c>, …)
/// plus table and key; else the transaction metadata (<c>transaction.id</c>, <c>total_order</c>); else null, and the
/// caller uses the bus position.</item>
/// </list>
/// </summary>
internal static class DebeziumIds
{
    private static readonly string[] GenericPositionFields = ["lsn", "scn", "commit_scn", "change_lsn", "commit_lsn", "event_serial_no", "file", "pos", "row", "ord", "sequence", "txId"];

    public static string? For(JsonElement? sourceBlock, JsonElement payload, EventOperation operation, string key)
    {
        if (sourceBlock is not { } block)
        {
            return FromTransaction(payload);
        }
        string? Text(string name) => JsonFields.PositionText(block, name);
        var name = Text("name");
        var snapshot = operation == EventOperation.SnapshotRead || IsSnapshot(block);
        var table = TableName(block);
        return Text("connector") switch
        {
            "mysql" when Text("file") is not null && Text("pos") is not null => snapshot
                ? EventIds.FromSourcePosition("dbz", name, "mysql", Text("server_id"), Text("file"), Text("pos"), Text("row"), table, key)
                : EventIds.FromSourcePosition("dbz", name, "mysql", Text("server_id"), Text("file"), Text("pos"), Text("row")),
            "postgresql" when Text("lsn") is not null => snapshot
                ? EventIds.FromSourcePosition("dbz", name, "pg", Text("lsn"), Text("txId"), table, key)
                : EventIds.FromSourcePosition("dbz", name, "pg", Text("lsn"), Text("txId")),
            "sqlserver" when Text("commit_lsn") is not null || Text("change_lsn") is not null => snapshot
                ? EventIds.FromSourcePosition("dbz", name, "mssql", Text("commit_lsn"), Text("change_lsn"), Text("event_serial_no"), table, key)
                : EventIds.FromSourcePosition("dbz", name, "mssql", Text("commit_lsn"), Text("change_lsn"), Text("event_serial_no")),
            "oracle" when Text("scn") is not null =>
                EventIds.FromSourcePosition("dbz", name, "oracle", Text("commit_scn"), Text("scn"), Text("lcr_position"), Text("rs_id"), Text("ssn"), Text("redo_thread"), Text("row_id"), table, key),
            "mongodb" when Text("ord") is not null =>
                EventIds.FromSourcePosition("dbz", name, "mongo", Text("rs"), Text("ts_ms"), Text("ord"), Text("txnNumber"), table, key),
            var connector => Generic(block, connector, name, table, key) ?? FromTransaction(payload),
        };
    }

    private static string? Generic(JsonElement block, string? connector, string? name, string table, string key)
    {
        var parts = new List<string?> { name, connector ?? "?" };
        var found = false;
        foreach (var field in GenericPositionFields)
        {
            if (JsonFields.PositionText(block, field) is { } value)
            {
                parts.Add(field + "=" + value);
                found = true;
            }
        }
        if (!found)
        {
            return null;
        }
        parts.Add(table);
        parts.Add(key);
        return EventIds.FromSourcePosition("dbz", [.. parts]);
    }

    /// <summary>With <c>provide.transaction.metadata</c>: the transaction id and the event's place in it.</summary>
    private static string? FromTransaction(JsonElement payload) =>
        payload.TryGetProperty("transaction", out var tx) && tx.ValueKind == JsonValueKind.Object
        && JsonFields.PositionText(tx, "id") is { } id && JsonFields.PositionText(tx, "total_order") is { } order
            ? EventIds.FromSourcePosition("dbz", "tx", id, order)
            : null;

    /// <summary><c>snapshot</c> is a string ("true", "first", "last", "incremental", …; "false" when streaming) or, in old versions, a boolean.</summary>
    private static bool IsSnapshot(JsonElement block) =>
        block.TryGetProperty("snapshot", out var s) && (s.ValueKind == JsonValueKind.True || (s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } v && v != "false"));

    private static string TableName(JsonElement block)
    {
        var db = JsonFields.PositionText(block, "db");
        var schema = JsonFields.PositionText(block, "schema");
        var table = JsonFields.PositionText(block, "table") ?? JsonFields.PositionText(block, "collection");
        return schema is null ? $"{db}.{table}" : $"{db}.{schema}.{table}";
    }
}
