namespace FeaturePlatform.Runtime.Repair;

/// <summary>Late-data repair (section <c>Runtime:Repair</c>): what live records of each computation, and how repairs run.</summary>
public sealed record RepairSettings
{
    /// <summary>
    /// Record each live computation's reads and re-run the computations a late event changes (results are recorded
    /// either way). Off, late events leave stale outputs until a correction replay (the parity check reports them).
    /// Default: true.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long the reads of a computation are kept: later late events are left to the correction replay. Default: 7 days.</summary>
    public TimeSpan ReadRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How long the result log keeps a computation's latest revision. Default: 30 days.</summary>
    public TimeSpan ResultRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long after a late event is stored its repair starts: computations that began before it was stored record
    /// their reads within this time (a batch writes them with its outputs). Default: 2 s.
    /// </summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stored events a repair looks at together at most: the computations they change run again once per batch, so a
    /// repair that falls behind catches up with fewer re-runs. Default: 2000.
    /// </summary>
    public int MaxBatchMessages { get; init; } = 2000;

    /// <summary>How often the repair service looks for late events to repair. Default: 500 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (ReadRetention <= TimeSpan.Zero || ResultRetention <= TimeSpan.Zero || Delay < TimeSpan.Zero || PollInterval <= TimeSpan.Zero || MaxBatchMessages <= 0)
        {
            throw new ArgumentException("Runtime:Repair: ReadRetention, ResultRetention, PollInterval and MaxBatchMessages must be positive, Delay not negative.");
        }
    }
}
