using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Event ids of Canal rows. Canal's flat message carries no binlog position of its own, so:
/// <list type="bullet">
/// <item>When the producer adds one (<c>logfileName</c> + <c>logfileOffset</c>, the names of Canal's entry header):
/// <c>canal:file:offset:db.table:000003:&lt;primary key&gt;</c>, a true log position.</item>
/// <item>Else the message <c>id</c>: Canal's batch id, plus what tells the messages of one batch apart — <c>gtid</c>
/// (when GTID mode is on), <c>es</c>, <c>ts</c>, table and type — and the row index:
/// <c>canal:b42:gtid:es:ts:db.table:UPDATE:000003:&lt;primary key&gt;</c>. A Kafka producer retry repeats the message byte for byte and
/// gets the same ids. Limits, by Canal's design: the batch id is a counter of the Canal server's fetches, so a
/// re-send after a Canal rollback or restart comes with a new batch id and is stored again; and two row events of
/// one table and type in one batch and one transaction (same gtid and timestamps) share an id, which the event
/// center keeps as a conflict record, not silently.</item>
/// <item>Without an id (0 or absent, as Canal-compatible writers such as TiCDC or Flink emit): the id a forwarder pinned
/// (HTTP message-forward, AMQP message id), else the bus position; with the row suffix when the message has several rows.</item>
/// </list>
/// The row index is zero-padded so a message's ids sort in row order.
/// </summary>
internal readonly struct CanalIds
{
    private readonly string? head;
    private readonly SourcePosition position;
    private readonly string? pinned;

    private CanalIds(string? head, SourcePosition position, string? pinned = null)
    {
        this.head = head;
        this.position = position;
        this.pinned = pinned;
    }

    /// <summary>The ids of <paramref name="root"/>'s rows; <paramref name="pinnedId"/>, a forwarder's id, stands in for the bus position.</summary>
    public static CanalIds For(JsonElement root, SourcePosition position, string? pinnedId = null)
    {
        string? Text(string name) => JsonFields.PositionText(root, name);
        var table = $"{Text("database")}.{Text("table")}";
        if (Text("logfileName") is { } file && Text("logfileOffset") is { } offset)
        {
            return new CanalIds(EventIds.FromSourcePosition("canal", file, offset, table), position);
        }
        if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var batch) && batch > 0)
        {
            return new CanalIds(EventIds.FromSourcePosition("canal", "b" + id.GetRawText(), Text("gtid"), Text("es"), Text("ts"), table, Text("type")), position);
        }
        return new CanalIds(null, position, pinnedId);
    }

    /// <summary>
    /// The id of row <paramref name="index"/> of <paramref name="count"/>, whose primary key reads <paramref name="rowKey"/>.
    /// The key follows the row index: Canal's partitionHash mode splits one statement's rows into one message per
    /// partition, each with the same header and its rows numbered from 0, so only the key tells them apart; the index
    /// first keeps a message's ids in row order.
    /// </summary>
    public string Row(int index, int count, string rowKey) =>
        head is not null ? EventIds.RowWithKey(head, index, rowKey)
        : pinned is null ? EventIds.FromPositionAndRow(position, index, count)
        : count > 1 ? pinned + EventIds.RowSuffix(index) : pinned;
}
