using System.Text.Json;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// An UPDATE that changes the entity key (the primary key, or the configured KeyFields). Debezium emits a primary-key
/// change as a DELETE of the old key and a CREATE of the new key ("primary key updates"); Maxwell and Canal (which send
/// the new row and the changed columns' old values) and a Debezium update that changes other KeyFields columns are read
/// the same way, so the old entity's
/// history shows that the row left it: a delete of the old key (before-image = the old row, header
/// <see cref="NewKeyHeader"/>) with the row's id + <see cref="IdSuffix"/>, then an insert of the new key (header
/// <see cref="OldKeyHeader"/>) with the row's own id. Both ids come from the log position, so a re-delivery stores nothing twice.
/// </summary>
internal static class KeyChanges
{
    /// <summary>Header of the delete event: the key the row moved to (as Debezium's <c>__debezium.newkey</c>).</summary>
    public const string NewKeyHeader = "fp-new-key";

    /// <summary>Header of the insert event: the key the row came from (as Debezium's <c>__debezium.oldkey</c>).</summary>
    public const string OldKeyHeader = "fp-old-key";

    /// <summary>Appended to the row's id to name the delete of its old key.</summary>
    public const string IdSuffix = ":old-key";

    /// <summary>
    /// The entity key the row had before the update when <paramref name="changes"/> (the changed columns' old values)
    /// touch a key field and the key read from the before-image differs from the one read from <paramref name="row"/>;
    /// else null. A key that cannot be read from the before-image (e.g. a key column that was null) is no move.
    /// </summary>
    public static string? OldKey(JsonElement row, JsonElement? changes, IReadOnlyList<string> keyFields)
    {
        if (changes is not { ValueKind: JsonValueKind.Object } changed || !keyFields.Any(f => changed.TryGetProperty(f.Split('.')[0], out _)))
        {
            return null;
        }
        using var before = JsonDocument.Parse(RowImages.Overlay(row, changed));
        try
        {
            var old = JsonFields.Key(before.RootElement, keyFields);
            return old == JsonFields.Key(row, keyFields) ? null : old;
        }
        catch (RejectedMessageException)
        {
            return null;
        }
    }

    /// <summary>
    /// The entity key in the full before-image <paramref name="before"/> when it differs from <paramref name="key"/>
    /// (Debezium with KeyFields: Debezium splits primary-key changes itself, not changes of other key columns); null
    /// when it is the same or cannot be read (a before-image without the key fields).
    /// </summary>
    public static string? OldKey(JsonElement? before, IReadOnlyList<string> keyFields, string key)
    {
        if (before is not { ValueKind: JsonValueKind.Object } row || keyFields.Count == 0)
        {
            return null;
        }
        try
        {
            var old = JsonFields.Key(row, keyFields);
            return old == key ? null : old;
        }
        catch (RejectedMessageException)
        {
            return null;
        }
    }

    /// <summary>The update <paramref name="update"/>, which moved its row from <paramref name="oldKey"/>, as Debezium emits it: a delete of the old key, then an insert of the new.</summary>
    public static ChangeEvent[] Split(ChangeEvent update, string oldKey) =>
    [
        update with
        {
            EventId = update.EventId + IdSuffix,
            EntityKey = oldKey,
            Operation = EventOperation.Delete,
            After = null,
            Headers = With(update.Headers, NewKeyHeader, update.EntityKey),
        },
        update with { Operation = EventOperation.Insert, Before = null, Headers = With(update.Headers, OldKeyHeader, oldKey) },
    ];

    /// <summary>True for the delete of an old key that <see cref="Split"/> made (its row belongs to the new key).</summary>
    public static bool IsOldKeyDelete(ChangeEvent e) => e.Operation == EventOperation.Delete && e.Headers.ContainsKey(NewKeyHeader);

    /// <summary>The entity a forwarder keys a message's bus copy by: its first row's key (the new key of a row that moved).</summary>
    public static string BusKey(IReadOnlyList<ChangeEvent> events) => events.First(e => !IsOldKeyDelete(e)).EntityKey;

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> headers, string name, string value) =>
        new(headers) { [name] = value };
}
