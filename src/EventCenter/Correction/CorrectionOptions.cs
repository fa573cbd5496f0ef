namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// Offline correction (section <c>EventCenter:Correction</c>): how a run waits for a consistent comparison and how its
/// corrected events are announced for late-data repair.
/// </summary>
public sealed record CorrectionOptions
{
    /// <summary>
    /// How long a run waits, after reading the database, for the source's event-time watermark to pass the end of the
    /// read (so every change committed before the read ended is stored and can be told apart from a real difference).
    /// A run whose wait expires fails naming the source and the watermark, and writes nothing. Default: 2 minutes.
    /// </summary>
    public TimeSpan WatermarkWait { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The bus topic that carries announcements of corrected events to late-data repair (one partition; the consumer
    /// group <c>featureplatform-correction-repair</c> takes each announcement once). Default: <c>featureplatform.corrections</c>.
    /// </summary>
    public string Topic { get; init; } = "featureplatform.corrections";

    /// <summary>
    /// How long the repair side waits for an announced correction to be stored (a run announces its events just before
    /// writing them); an event still missing then was not written (its run failed) and is logged, not repaired. Default: 1 minute.
    /// </summary>
    public TimeSpan StoredWait { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (WatermarkWait <= TimeSpan.Zero || StoredWait <= TimeSpan.Zero)
        {
            throw new ArgumentException("EventCenter:Correction: WatermarkWait and StoredWait must be positive.");
        }
        if (string.IsNullOrWhiteSpace(Topic))
        {
            throw new ArgumentException("EventCenter:Correction:Topic must not be empty (default: featureplatform.corrections).");
        }
    }
}
