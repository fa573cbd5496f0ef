namespace FeaturePlatform.Runtime.Slices;

/// <summary>Slices of sources (section <c>Runtime:Slices</c>; docs/offline.md).</summary>
public sealed record SliceSettings
{
    /// <summary>Sources sliced every day as of the end of the previous day (UTC). Default: none (no daily slices).</summary>
    public IReadOnlyList<string> Daily { get; init; } = [];

    /// <summary>
    /// Time of day (UTC) the daily slices are taken, each as of the previous day's last millisecond: late enough for the
    /// sources' watermarks to pass midnight. Default: 00:30:00.
    /// </summary>
    public TimeSpan DailyAt { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Where slices are written (one directory per slice). Default: <c>&lt;EventCenter:DataDirectory&gt;/slices</c>.</summary>
    public string? Directory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that is out of range.</summary>
    public void Validate()
    {
        if (DailyAt < TimeSpan.Zero || DailyAt >= TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"Runtime:Slices:DailyAt must be a time of day in [00:00:00, 1.00:00:00); got {DailyAt}.");
        }
        if (Daily.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Runtime:Slices:Daily lists an empty source name; list source names.");
        }
    }
}
