namespace FeaturePlatform.EventCenter.Tables;

/// <summary>What a write did with one event.</summary>
public enum WriteOutcome
{
    /// <summary>The event was stored.</summary>
    Written,

    /// <summary>
    /// An event with this (source, event id) and the same row identity (entity, event time, position) is already
    /// stored: nothing changed; the first stored copy stays (re-delivery is harmless).
    /// </summary>
    Duplicate,

    /// <summary>
    /// Another event (different entity, event time or position) already holds this (source, event id): the new
    /// event is ignored and the stored one stays. Callers should count and log these.
    /// </summary>
    Conflict,
}
