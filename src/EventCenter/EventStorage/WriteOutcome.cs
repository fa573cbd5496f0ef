using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>What a write did with one event.</summary>
public enum WriteOutcome
{
    /// <summary>The event was stored.</summary>
    Written,

    /// <summary>
    /// The same change is already stored under this (source, event id): same entity, operation and images
    /// (<see cref="ChangeIdentity.SameChange"/>). Nothing changed; the first stored copy stays, whatever bus
    /// position or ingest time the new copy has (re-delivery and connector re-sends are harmless).
    /// </summary>
    Duplicate,

    /// <summary>
    /// A different change (other entity, operation or images) already holds this (source, event id): the new event is
    /// not stored and the stored one stays. Never dropped silently: callers keep a conflict record, count and log it.
    /// </summary>
    Conflict,
}

/// <summary>The outcome of writing one event and the event that now holds its identity.</summary>
/// <param name="Outcome">What the write did.</param>
/// <param name="Stored">
/// The stored event holding the (source, event id): the written event itself, the first stored copy for a
/// duplicate, or the different event already stored for a conflict.
/// </param>
public readonly record struct WriteResult(WriteOutcome Outcome, ChangeEvent Stored);
