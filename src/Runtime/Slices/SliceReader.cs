using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.Runtime.Slices;

/// <summary>
/// The state of every entity of a source as of T: per key the last stored event with event time ≤ T in the event
/// store's one order (event time, then source position — the order the as-of look-up uses), an entity whose last such
/// event is a delete left out. This is exactly <see cref="EventReaderExtensions.GetStateAsync"/> of each key at T.
/// </summary>
/// <remarks>
/// It streams the source's events up to T once (<see cref="IEventReader.ReplayAsync"/>, time index, hot and cold) and
/// keeps one event per key in memory: memory grows with the number of entities, time with the number of events up to
/// T. Events stored later with an event time ≤ T (late data) are in the slice once stored; a slice taken before the
/// source's watermark passed T may lack on-time events not yet stored (its record says whether W ≥ T).
/// </remarks>
public static class SliceReader
{
    /// <summary>The entities' states as of <paramref name="asOf"/> (ms, inclusive), ordered by key (ordinal).</summary>
    /// <param name="events">The event store.</param>
    /// <param name="source">The source.</param>
    /// <param name="asOf">The time T.</param>
    /// <param name="progress">Called now and then with the events scanned so far.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static async Task<IReadOnlyList<ChangeEvent>> ReadAsync(IEventReader events, string source, long asOf, Action<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var latest = new Dictionary<string, ChangeEvent>(StringComparer.Ordinal);
        long scanned = 0;
        var to = asOf == long.MaxValue ? long.MaxValue : asOf + 1;
        await foreach (var e in events.ReplayAsync(source, long.MinValue, to, cancellationToken))
        {
            // The replay's order is the as-of order: a later one of the same key supersedes.
            latest[e.EntityKey] = e;
            if (++scanned % 10_000 == 0)
            {
                progress?.Invoke(scanned);
            }
        }
        progress?.Invoke(scanned);
        return [.. latest.Values.Where(e => !e.IsDelete).OrderBy(e => e.EntityKey, StringComparer.Ordinal)];
    }
}
