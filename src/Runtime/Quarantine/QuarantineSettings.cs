namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// When the run loop gives up on an event (section <c>Runtime:Quarantine</c>): after <see cref="MaxAttempts"/> failed
/// runs of it (a Python exception, a timeout, or a host error while running it) the event is quarantined for its job —
/// recorded durably with its error and input, skipped, and the job goes on with its next events.
/// </summary>
public sealed record QuarantineSettings
{
    /// <summary>Runs of an event before it is quarantined (the first run included); 1 quarantines at the first failure. Default: 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Whether failing events are retried and quarantined at all; off, a failed event is only an error record. Default: true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Quarantine entries returned per page at most (<c>GET /api/jobs/{job}/quarantine</c>). Default: 100.</summary>
    public int MaxPageSize { get; init; } = 100;

    internal void Validate()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            throw new ArgumentException("Runtime:Quarantine:MaxAttempts must be within 1..100 (default 3).");
        }
        if (MaxPageSize is < 1 or > 10_000)
        {
            throw new ArgumentException("Runtime:Quarantine:MaxPageSize must be within 1..10000 (default 100).");
        }
    }
}

/// <summary>
/// What makes <c>/health/ready</c> report a job as Degraded (section <c>Runtime:Health</c>): it quarantined an event
/// within <see cref="QuarantineWindow"/>, or a live runner of it lags its trigger source by more than
/// <see cref="MaxLag"/>. Readiness returns to Healthy by itself once neither holds.
/// </summary>
public sealed record JobHealthSettings
{
    /// <summary>How long after its last quarantined event a job counts as quarantining. Default: 5 min.</summary>
    public TimeSpan QuarantineWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Event-time lag of a live runner above which its job is lagging. Default: 60 s.</summary>
    public TimeSpan MaxLag { get; init; } = TimeSpan.FromSeconds(60);

    internal void Validate()
    {
        if (QuarantineWindow <= TimeSpan.Zero || MaxLag <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Health: QuarantineWindow and MaxLag must be positive (defaults 00:05:00 and 00:01:00).");
        }
    }
}
