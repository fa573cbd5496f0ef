using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>Stores change events, idempotently by (source, event id).</summary>
public interface IEventWriter
{
    /// <summary>
    /// Stores a batch of events (main table, time index, id index). Writing the same change again (see
    /// <see cref="ChangeIdentity.SameChange"/>) is a <see cref="WriteOutcome.Duplicate"/>; an event whose id is held
    /// by a different change is a <see cref="WriteOutcome.Conflict"/> and is not stored (first writer wins, also
    /// inside one batch): the result carries the stored event so the caller can keep a conflict record.
    /// The id index row is written last, so a crash mid-batch is repaired by writing the batch again.
    /// Idempotence assumes one writer per (source, event id) at a time — true for the ingestion jobs (one
    /// consumer per partition; ids derived from positions or unique request ids).
    /// </summary>
    /// <returns>One result per input event, in input order.</returns>
    ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default);
}
