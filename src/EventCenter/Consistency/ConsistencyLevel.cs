namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>How fresh a trigger or fetch must be (DESIGN §4).</summary>
public enum ConsistencyLevel
{
    /// <summary>Read what is stored now.</summary>
    Eventual,

    /// <summary>Before the logic runs, wait until the triggering event itself is stored.</summary>
    TriggerStrong,

    /// <summary>A fetch as of T waits until the fetched source's event-time watermark reaches T.</summary>
    FetchStrong,

    /// <summary>
    /// If the watermark is behind T, read the entity's row from the source database; when it changed at or before T,
    /// store it as an event and answer from the event center, else wait like <see cref="FetchStrong"/> (see
    /// <see cref="NoDelayReader"/>).
    /// </summary>
    FetchStrongNoDelay,
}
