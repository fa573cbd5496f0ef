namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>What an embedded store's single writer has done since the store opened.</summary>
/// <param name="Commits">Write transactions committed (a group of writes counts once).</param>
/// <param name="Writes">Writes (puts, deletes, check-and-puts, multi-table writes) those transactions carried.</param>
/// <param name="Busy">Time the writer spent applying and committing writes (the rest it waited for work).</param>
public readonly record struct EmbeddedWriterStatistics(long Commits, long Writes, TimeSpan Busy);
