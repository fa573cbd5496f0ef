namespace FeaturePlatform.PyBridge;

/// <summary>Consistency levels a job or a single fetch asks for (the platform design, section 4).</summary>
public enum Consistency
{
    /// <summary>Read what is stored now.</summary>
    Eventual,

    /// <summary>Before the logic runs, wait until the triggering event itself is stored.</summary>
    TriggerStrong,

    /// <summary>A fetch as of time T waits until the fetched source's event-time watermark reaches T.</summary>
    FetchStrong,

    /// <summary>Like <see cref="FetchStrong"/>, but a lagging source is read directly instead of waiting.</summary>
    FetchStrongNoDelay,
}

/// <summary>The wire names of <see cref="Consistency"/> shared with the Python SDK.</summary>
public static class ConsistencyNames
{
    /// <summary>The SDK's name of a level, e.g. <c>trigger_strong</c>.</summary>
    public static string ToWire(this Consistency level) => level switch
    {
        Consistency.Eventual => "eventual",
        Consistency.TriggerStrong => "trigger_strong",
        Consistency.FetchStrong => "fetch_strong",
        Consistency.FetchStrongNoDelay => "fetch_strong_no_delay",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>Parses the SDK's name of a level.</summary>
    public static Consistency Parse(ReadOnlySpan<char> wire) => wire switch
    {
        "eventual" => Consistency.Eventual,
        "trigger_strong" => Consistency.TriggerStrong,
        "fetch_strong" => Consistency.FetchStrong,
        "fetch_strong_no_delay" => Consistency.FetchStrongNoDelay,
        _ => throw new ArgumentException($"unknown consistency level '{wire}'", nameof(wire)),
    };
}
