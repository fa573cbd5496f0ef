using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// The event tables in a single <see cref="IWideTableStore"/>, kept forever (no tiering). Also what each tier
/// of <see cref="Tiering.TieredEventStore"/> is built from.
/// </summary>
public sealed class EventStore : IEventStore
{
    private readonly EventTables _tables;

    /// <summary>Creates the store over <paramref name="store"/> (tables are created by <see cref="EnsureTablesAsync"/>).</summary>
    public EventStore(IWideTableStore store, EventTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _tables = new EventTables(store, options ?? new EventTableOptions(), [new FamilySpec("e")]);
    }

    /// <inheritdoc />
    public ValueTask EnsureTablesAsync(CancellationToken cancellationToken = default) => _tables.EnsureAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        return await _tables.WriteAsync(events, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ChangeEvent?> GetLatestEventAsync(string source, string entityKey, long asOf, CancellationToken cancellationToken = default) =>
        _tables.LatestAsync(source, entityKey, asOf, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<(ChangeEvent? Latest, long? Next)> GetLatestAndNextAsync(string source, string entityKey, long asOf, long before,
        CancellationToken cancellationToken = default)
    {
        var (complete, latest, next) = await _tables.LatestAndNextAsync(source, entityKey, asOf, before, cancellationToken);
        return complete ? (latest, next) : await this.ReadLatestAndNextAsync(source, entityKey, asOf, before, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChangeEvent> GetHistoryAsync(string source, string entityKey, long from, long to, CancellationToken cancellationToken = default) =>
        _tables.HistoryAsync(source, entityKey, from, to, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ChangeEvent> ReplayAsync(string source, long from, long to, CancellationToken cancellationToken = default) =>
        _tables.ReplayAsync(source, from, to, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ChangeEvent?> GetByIdAsync(string source, string eventId, CancellationToken cancellationToken = default) =>
        _tables.GetByIdAsync(source, eventId, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChangeEvent?>> GetByIdsAsync(string source, IReadOnlyList<string> eventIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        return await _tables.GetByIdsAsync(source, eventIds, cancellationToken);
    }
}
