using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// Where a job's events come from — the live bus, a replay of the event center, a sample table, or calls. The run
/// loop sees only batches of change events, so it cannot tell the modes apart and runs the logic the same way.
/// </summary>
public interface ITrigger
{
    /// <summary>A short description for logs and run status, e.g. "live orders" or "replay orders [t0, t1)".</summary>
    string Description { get; }

    /// <summary>Estimated number of events in all, when known (replays, samples); null for unbounded triggers.</summary>
    long? EstimatedTotal { get; }

    /// <summary>
    /// The batches, in order. A bounded trigger ends when it is exhausted; a live one runs until cancelled. The run
    /// loop calls <see cref="TriggerBatch.CompleteAsync"/> once a batch's outputs are written; only then may the trigger
    /// consider it done (e.g. commit bus offsets).
    /// </summary>
    IAsyncEnumerable<TriggerBatch> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Events to run, plus how to acknowledge them once their results are written.</summary>
public sealed class TriggerBatch(IReadOnlyList<ChangeEvent> events, Func<CancellationToken, ValueTask>? complete = null)
{
    /// <summary>The events, in trigger order.</summary>
    public IReadOnlyList<ChangeEvent> Events { get; } = events;

    /// <summary>Marks the batch done (commits offsets for live triggers; nothing for bounded ones).</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken) => complete?.Invoke(cancellationToken) ?? ValueTask.CompletedTask;
}
