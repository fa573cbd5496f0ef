namespace FeaturePlatform.Runtime.Parity;

/// <summary>The scheduled correction replay (section <c>Runtime:Correction</c>): the Lambda side of late-data repair.</summary>
public sealed record CorrectionSettings
{
    /// <summary>How often every enabled job's recent range is replayed and the outputs that differ rewritten; zero turns it off. Default: 1 day.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The range each run replays: this long up to the watermark-safe time (the lowest event-time watermark of the sources). Default: 24 h.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Rows listed per parity report (the counts cover all). Default: 1000.</summary>
    public int MaxListedDifferences { get; init; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (Interval < TimeSpan.Zero || Window <= TimeSpan.Zero || MaxListedDifferences < 0)
        {
            throw new ArgumentException("Runtime:Correction: Interval must not be negative (zero turns it off), Window must be positive, MaxListedDifferences not negative.");
        }
    }
}
