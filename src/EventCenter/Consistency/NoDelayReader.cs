using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.SourceDb.Images;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>
/// The source-database half of a fetch-strong no-delay read (SEMANTICS.md §3): while the source's watermark is
/// behind the as-of time T, read the entity's row from the mirrored table and, when its change time (the mirror's
/// <see cref="MirroredTable.TimeColumn"/>) is at or before T, store it as an event of the source so that the
/// event center's state as of T is complete for this entity. Whatever cannot be told soundly from the database's
/// current row is left to the watermark wait: a row changed after T (its state at T is gone from the database),
/// a row that is absent (deleted — when is unknown), T later than now (the row may still change before T), a
/// mirror without a time column.
/// </summary>
/// <remarks>
/// The stored event: operation <see cref="EventOperation.SnapshotRead"/>, event time = the row's change time,
/// after image in the shape of the source's CDC events (<see cref="CdcImages"/>), id
/// <c>srcdb:&lt;table&gt;:&lt;key&gt;:&lt;change time&gt;</c> so that a re-read of the same row version gets the same id
/// and is stored once. The CDC event of the same change, arriving later, is stored as its own event (same state):
/// it is not skipped, because the CDC id names a log position the database row does not know.
/// </remarks>
public sealed class NoDelayReader(IEventReader events, IEventWriter writer, TimeProvider clock)
{
    /// <summary>Prefix of the ids of events read from a source database by no-delay reads.</summary>
    public const string IdScheme = "srcdb";

    /// <summary>Value of the <c>fp-origin</c> header on events read from a source database.</summary>
    public const string Origin = "source-database";

    /// <summary>
    /// Makes the event center's state of <paramref name="entityKey"/> as of <paramref name="asOf"/> complete from the
    /// database when it soundly can.
    /// </summary>
    /// <returns>Why the read did or did not serve; only <see cref="NoDelayOutcome.Stored"/> and <see cref="NoDelayOutcome.AlreadyStored"/> may answer without waiting.</returns>
    public async Task<NoDelayOutcome> CompleteAsync(SourceDefinition source, ISourceDatabase database, string entityKey, long asOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(database);
        var table = source.Mirror ?? throw new ArgumentException($"Source '{source.Name}' mirrors no table.", nameof(source));
        if (table.TimeColumn is null)
        {
            return NoDelayOutcome.NoTimeColumn;
        }
        if (asOf > clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return NoDelayOutcome.AsOfInFuture;
        }
        var row = await database.ReadRowAsync(table, entityKey, cancellationToken);
        if (row is null)
        {
            return NoDelayOutcome.RowAbsent;
        }
        if (row.ChangedAt is not { } changedAt)
        {
            return NoDelayOutcome.NoChangeTime;
        }
        if (changedAt > asOf)
        {
            return NoDelayOutcome.ChangedAfterAsOf;
        }
        var image = CdcImages.For(source, row);
        var stored = await events.GetStateAsync(source.Name, entityKey, asOf, cancellationToken);
        if (stored is not null && stored.EventTime >= changedAt && SameRow(image, stored.After))
        {
            return NoDelayOutcome.AlreadyStored; // the CDC event of this version is in; nothing to add
        }
        var outcome = (await writer.WriteAsync([Event(source.Name, table, entityKey, changedAt, image)], cancellationToken))[0].Outcome;
        return outcome == WriteOutcome.Conflict ? NoDelayOutcome.Conflict : NoDelayOutcome.Stored;
    }

    /// <summary>The event a no-delay read stores for a row version.</summary>
    public ChangeEvent Event(string source, MirroredTable table, string entityKey, long changedAt, byte[] image)
    {
        ArgumentNullException.ThrowIfNull(table);
        var time = changedAt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ChangeEvent
        {
            Source = source,
            EntityKey = entityKey,
            Operation = EventOperation.SnapshotRead,
            EventTime = changedAt,
            IngestTime = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Position = new SourcePosition($"{IdScheme}:{table.Table}", 0, 0),
            EventId = EventIds.FromSourcePosition(IdScheme, table.Table, entityKey, time),
            After = image,
            Headers = new Dictionary<string, string> { ["fp-origin"] = Origin },
        };
    }

    private static bool SameRow(byte[] image, byte[]? stored)
    {
        if (stored is null)
        {
            return false;
        }
        try
        {
            return System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(image), System.Text.Json.Nodes.JsonNode.Parse(stored));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}

/// <summary>What a no-delay read did with the source database.</summary>
public enum NoDelayOutcome
{
    /// <summary>The row (changed at or before T) was stored as an event, or was already stored under its id.</summary>
    Stored,

    /// <summary>The event center already held this row version (its CDC event arrived); nothing was written.</summary>
    AlreadyStored,

    /// <summary>The mirror has no time column: the read waits for the watermark.</summary>
    NoTimeColumn,

    /// <summary>The as-of time is later than now: the row may still change before it; the read waits.</summary>
    AsOfInFuture,

    /// <summary>No such row (deleted at an unknown time, or never there): the read waits.</summary>
    RowAbsent,

    /// <summary>The row's time column is NULL: the read waits.</summary>
    NoChangeTime,

    /// <summary>The row changed after the as-of time (its state then is no longer in the database): the read waits.</summary>
    ChangedAfterAsOf,

    /// <summary>A different row version holds the same id (two versions in one time-column tick): the read waits.</summary>
    Conflict,
}
