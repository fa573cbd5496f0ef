using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Event ids of Maxwell rows, from what Maxwell's output options include:
/// <list type="bullet">
/// <item><c>position</c> (output_binlog_position, "binlog.000003:1234": the rows event the row came from) with
/// <c>xoffset</c> (output_xoffset: the row's place in its transaction): <c>maxwell:pos:binlog.000003:1234:x7</c>.
/// Maxwell writes no xoffset on a transaction's last row, which carries <c>commit: true</c> instead: <c>…:commit</c>.
/// Without either, the rows of one event are told apart by table and primary key.</item>
/// <item>Else <c>xid</c> with <c>xoffset</c> or <c>commit</c>: <c>maxwell:xid:940752:x7:1449786310</c> (with the
/// commit time, as MySQL's xids can repeat after a server restart).</item>
/// <item>Else (an xid alone cannot tell a transaction's rows apart): null, and the caller uses the bus position.</item>
/// </list>
/// <c>server_id</c> (output_server_id) is included when present.
/// </summary>
internal static class MaxwellIds
{
    public static string? For(JsonElement root, string key)
    {
        string? Text(string name) => JsonFields.PositionText(root, name);
        var inTransaction = Text("xoffset") is { } xoffset ? "x" + xoffset
            : root.TryGetProperty("commit", out var commit) && commit.ValueKind == JsonValueKind.True ? "commit"
            : null;
        if (Text("position") is { } position)
        {
            return inTransaction is null
                ? EventIds.FromSourcePosition("maxwell", "pos", Text("server_id"), position, $"{Text("database")}.{Text("table")}", key)
                : EventIds.FromSourcePosition("maxwell", "pos", Text("server_id"), position, inTransaction);
        }
        if (Text("xid") is { } xid && inTransaction is not null)
        {
            return EventIds.FromSourcePosition("maxwell", "xid", Text("server_id"), xid, inTransaction, Text("ts"));
        }
        return null;
    }
}
