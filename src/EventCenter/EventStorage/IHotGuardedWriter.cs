using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>
/// Optional capability of an event store with a hot tier: stores an event and, in the same hot-store transaction as the
/// event's hot rows, a guarded write of the caller's into the hot store (a call's claim in the ledger next to its
/// request event: one commit instead of two one after the other).
/// </summary>
public interface IHotGuardedWriter
{
    /// <summary>
    /// Stores <paramref name="e"/> as <see cref="IEventWriter.WriteAsync"/> does and, only when it is newly stored
    /// (<see cref="WriteOutcome.Written"/>) and the guard's store is this writer's hot store, applies the guarded write —
    /// its guard cell and puts only if the guard column holds no visible value — atomically with the event's hot rows
    /// where the store has transactions across tables (else right after them).
    /// </summary>
    /// <returns>The event's write result, and whether the guarded write was applied.</returns>
    ValueTask<(WriteResult Result, bool GuardApplied)> WriteWithHotGuardAsync(ChangeEvent e, HotGuard guard, CancellationToken cancellationToken = default);
}

/// <summary>A guarded write meant for <paramref name="Store"/> (applied only by a writer whose hot store that is).</summary>
/// <param name="Store">The store the guarded write's table is in.</param>
/// <param name="Write">The guarded write.</param>
public sealed record HotGuard(IWideTableStore Store, GuardedWrite Write);
