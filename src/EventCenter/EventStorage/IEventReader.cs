using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>Reads stored change events. Times are ms since the Unix epoch; ranges are [from, to).</summary>
/// <remarks>
/// Order of events: by event time, then source position (stream, partition, offset), then event id —
/// the same deterministic order for history, replay and as-of ties.
/// </remarks>
public interface IEventReader
{
    /// <summary>
    /// The last event of the entity at or before <paramref name="asOf"/> (deletes included), or null when
    /// it has none. See <see cref="EventReaderExtensions.GetStateAsync"/> for the entity's state.
    /// </summary>
    ValueTask<ChangeEvent?> GetLatestEventAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken = default);

    /// <summary>The entity's events with event time in [from, to), in order, streamed.</summary>
    IAsyncEnumerable<ChangeEvent> GetHistoryAsync(string source, string entityKey, long from, long to, CancellationToken cancellationToken = default);

    /// <summary>All events of a source with event time in [from, to), in order, streamed page by page.</summary>
    IAsyncEnumerable<ChangeEvent> ReplayAsync(string source, long from, long to, CancellationToken cancellationToken = default);

    /// <summary>The event with this id in this source, or null.</summary>
    ValueTask<ChangeEvent?> GetByIdAsync(string source, string eventId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The events with these ids in this source, in the order of <paramref name="eventIds"/>; null where none is stored.
    /// One round trip per table (not one per id): the live trigger loads a whole batch's stored events with it.
    /// </summary>
    ValueTask<IReadOnlyList<ChangeEvent?>> GetByIdsAsync(string source, IReadOnlyList<string> eventIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// The entity's last event at or before <paramref name="asOf"/> (as <see cref="GetLatestEventAsync"/>) and the event
    /// time of its first event after <paramref name="asOf"/> and before <paramref name="before"/> (null: none): what a
    /// settled read needs. By default two reads; a store that can answer both with one read does so.
    /// </summary>
    ValueTask<(ChangeEvent? Latest, long? Next)> GetLatestAndNextAsync(string source, string entityKey, long asOf, long before, CancellationToken cancellationToken = default) =>
        this.ReadLatestAndNextAsync(source, entityKey, asOf, before, cancellationToken);
}

/// <summary>Helpers over <see cref="IEventReader"/>.</summary>
public static class EventReaderExtensions
{
    /// <summary>
    /// The entity's state as of <paramref name="asOf"/>: the last event at or before it, or null when the
    /// entity has no such event or that event is a delete. The state's row is the event's
    /// <see cref="ChangeEvent.After"/> image.
    /// </summary>
    public static async ValueTask<ChangeEvent?> GetStateAsync(this IEventReader reader, string source, string entityKey, long asOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var latest = await reader.GetLatestEventAsync(source, entityKey, asOf, cancellationToken);
        return latest is null || latest.IsDelete ? null : latest;
    }

    /// <summary>
    /// <see cref="IEventReader.GetLatestAndNextAsync"/> as two reads: the latest event, then the first of the history
    /// after <paramref name="asOf"/>.
    /// </summary>
    public static async ValueTask<(ChangeEvent? Latest, long? Next)> ReadLatestAndNextAsync(this IEventReader reader, string source, string entityKey, long asOf, long before,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var latest = await reader.GetLatestEventAsync(source, entityKey, asOf, cancellationToken);
        await foreach (var change in reader.GetHistoryAsync(source, entityKey, asOf + 1, before, cancellationToken))
        {
            return (latest, change.EventTime);
        }
        return (latest, null);
    }
}
