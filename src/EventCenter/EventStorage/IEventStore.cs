namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>An event store: writer and reader over the event tables.</summary>
public interface IEventStore : IEventWriter, IEventReader
{
    /// <summary>Creates (embedded) or verifies (HBase) the tables.</summary>
    ValueTask EnsureTablesAsync(CancellationToken cancellationToken = default);
}
