using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Splits a Canal flat message whose rows belong to several entities into one message per entity, as Canal's own
/// <c>canal.mq.partitionHash</c> does: each part repeats the header and carries its entity's rows (and their
/// <c>old</c> entries) in their order. A bus message is keyed by one entity, so a forwarder keeps each entity's changes
/// on one partition, in order, only by splitting. Row ids stay apart because a Canal id carries the row's key.
/// </summary>
internal static class CanalParts
{
    // Text stays as sent (no \uXXXX for non-ASCII): a part of a message near the size limit must not outgrow it.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The parts of <paramref name="value"/> by entity, in the order entities first appear, each with its entity key;
    /// null when all rows are one entity's (or the <c>old</c> array does not pair with the rows, so no split is safe).
    /// </summary>
    /// <param name="value">The message as posted.</param>
    /// <param name="events">Its events, one per row in row order (and a delete before a row that changed its key), as the Canal parser made them.</param>
    public static IReadOnlyList<(string Key, byte[] Value)>? ByEntity(byte[] value, IReadOnlyList<ChangeEvent> events)
    {
        // A row whose update moved it to a new key belongs to the new key (as Canal's partitionHash hashes the new
        // values): the delete of its old key is not a row of its own.
        events = [.. events.Where(e => !KeyChanges.IsOldKeyDelete(e))];
        if (events.Select(e => e.EntityKey).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            return null;
        }
        var root = JsonNode.Parse(value)!.AsObject();
        var data = root["data"]!.AsArray();
        var old = root["old"] as JsonArray;
        if (data.Count != events.Count || (old is not null && old.Count != data.Count))
        {
            return null;
        }
        var parts = new List<(string, byte[])>();
        foreach (var group in events.Select((e, row) => (e.EntityKey, Row: row)).GroupBy(r => r.EntityKey, StringComparer.Ordinal))
        {
            var part = root.DeepClone().AsObject();
            part["data"] = new JsonArray([.. group.Select(r => data[r.Row]?.DeepClone())]);
            if (old is not null)
            {
                part["old"] = new JsonArray([.. group.Select(r => old[r.Row]?.DeepClone())]);
            }
            parts.Add((group.Key, System.Text.Encoding.UTF8.GetBytes(part.ToJsonString(Relaxed))));
        }
        return parts;
    }
}
