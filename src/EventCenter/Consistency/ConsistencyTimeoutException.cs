namespace FeaturePlatform.EventCenter.Consistency;

/// <summary>A consistency wait expired before the event center had stored what was asked for.</summary>
public sealed class ConsistencyTimeoutException : TimeoutException
{
    /// <summary>Creates the exception with the wait's details.</summary>
    public ConsistencyTimeoutException(string source, string waitedFor, string reached, TimeSpan timeout)
        : base($"Timed out after {timeout.TotalMilliseconds:0} ms waiting for source '{source}': needed {waitedFor}, reached {reached}.")
    {
        Source = source;
        WaitedFor = waitedFor;
        Reached = reached;
    }

    /// <summary>The source waited on.</summary>
    public new string Source { get; }

    /// <summary>What was needed, e.g. "event time ≥ 1700000000000".</summary>
    public string WaitedFor { get; }

    /// <summary>How far the watermark had got.</summary>
    public string Reached { get; }
}
