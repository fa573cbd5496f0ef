namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>What a schedule exercises.</summary>
public enum JoinScenario
{
    /// <summary>Both streams flowing; the later-posted event has the later event time.</summary>
    Flowing,

    /// <summary>Both streams flowing; the later-posted event has the earlier event time.</summary>
    Reverse,

    /// <summary>One source quiet for seconds; its partner event arrives after the other's, usually with an earlier event time.</summary>
    Quiet,

    /// <summary>One source lags behind the clock by less than MaxDelay (on time).</summary>
    Lagging,

    /// <summary>One source lags behind the clock by more than MaxDelay (its events are late).</summary>
    LaggingBeyondMaxDelay,

    /// <summary>Many pairs posted at the same instant, each source's events in one array POST.</summary>
    Burst,
}

/// <summary>
/// One planned event: posted <see cref="PostAt"/> after the traffic starts, with event time = the wall clock when it
/// is posted − <see cref="Lag"/>. Events with the same <see cref="Batch"/> (not null) and side go in one array POST.
/// </summary>
public sealed record PlannedEvent(string Pair, int Side, TimeSpan PostAt, TimeSpan Lag, int? Batch = null);

/// <summary>One schedule: a related pair (one event of A, one of B, same key) and what it exercises.</summary>
public sealed record PlannedPair(string Pair, JoinScenario Scenario, PlannedEvent First, PlannedEvent Second);
