using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Tables;

/// <summary>Stores change events, idempotently by (source, event id).</summary>
public interface IEventWriter
{
    /// <summary>
    /// Stores a batch of events (main table, time index, id index). Writing an event again is a
    /// <see cref="WriteOutcome.Duplicate"/>; an event whose id is held by a different event is a
    /// <see cref="WriteOutcome.Conflict"/> and is not stored (first writer wins, also inside one batch).
    /// The id index row is written last, so a crash mid-batch is repaired by writing the batch again.
    /// Idempotence assumes one writer per (source, event id) at a time — true for the ingestion jobs (one
    /// consumer per partition; ids derived from positions or unique request ids).
    /// </summary>
    /// <returns>One outcome per input event, in input order.</returns>
    ValueTask<IReadOnlyList<WriteOutcome>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default);
}
