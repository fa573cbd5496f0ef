using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>How far a live runner is behind its trigger source.</summary>
/// <param name="WatermarkMs">The source's event-time watermark (every event before it is stored), or null.</param>
/// <param name="LastEventTimeMs">The newest event time the runner completed, or null before its first event.</param>
/// <param name="LagMs">
/// Event-time lag: 0 when no stored message of the runner's partitions is pending, else the watermark minus the last
/// event time run (at least 0). Null before the runner ran an event or while the source has no watermark.
/// </param>
/// <param name="PendingMessages">
/// Messages the event center stored (offset watermarks) but the runner has not completed yet, summed over the
/// partitions this runner processed; null before its first event. Partitions another process owns are not counted.
/// </param>
/// <param name="EventsPerSecond">Events completed per second over the last <see cref="LiveRunnerProgress.Window"/>.</param>
public sealed record LiveRunnerLag(long? WatermarkMs, long? LastEventTimeMs, long? LagMs, long? PendingMessages, double EventsPerSecond)
{
    /// <summary>The lag from the runner's progress and the source's watermarks.</summary>
    /// <param name="progress">The runner's progress.</param>
    /// <param name="watermark">The source's event-time watermark.</param>
    /// <param name="storedOffsets">The source's offset watermarks (next offset stored per stream and partition).</param>
    public static LiveRunnerLag Compute(LiveRunnerProgress progress, long? watermark, IEnumerable<PartitionWatermark> storedOffsets)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var last = progress.LastEventTime;
        var done = progress.NextOffsets;
        long? pending = null;
        if (done.Count > 0)
        {
            var stored = storedOffsets.ToDictionary(w => (w.Stream, w.Partition), w => w.NextOffset);
            pending = done.Sum(kv => Math.Max(0, stored.GetValueOrDefault(kv.Key, kv.Value) - kv.Value));
        }
        long? lag = (last, pending, watermark) switch
        {
            (null, _, _) => null,
            (_, 0, _) => 0,
            (_, _, null) => null,
            var (l, _, w) => Math.Max(0, w.Value - l.Value),
        };
        return new LiveRunnerLag(watermark, last, lag, pending, progress.EventsPerSecond);
    }
}
