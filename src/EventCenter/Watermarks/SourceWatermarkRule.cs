namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// A source's event-time watermark from its partitions' marks (the minimum), and the write that stores it: only
/// what changes, as a clock rule while every partition follows the clock, as a plain value otherwise.
/// </summary>
internal static class SourceWatermarkRule
{
    /// <summary>
    /// The source's mark from every partition's stored mark (null when a partition has none: it holds the source
    /// back). While every partition follows the clock the result is the rule
    /// <c>max(min vᵢ, min(now, min untilᵢ) − max lagᵢ)</c>, never above the true minimum; otherwise the minimum's
    /// value at <paramref name="now"/>.
    /// </summary>
    public static StoredMark? Combine(IReadOnlyList<StoredMark> partitions, long now)
    {
        if (partitions.Count == 0 || partitions.Any(p => p.At(now) is null))
        {
            return null;
        }
        if (partitions.All(p => p.IsFollowing(now)))
        {
            long? minimum = partitions.All(p => p.Value is not null) ? partitions.Min(p => p.Value!.Value) : null;
            return new StoredMark(minimum, new ClockFollow(partitions.Max(p => p.Follow!.Value.Lag), partitions.Min(p => p.Follow!.Value.Until)));
        }
        return new StoredMark(partitions.Min(p => p.At(now)!.Value), null);
    }

    /// <summary>
    /// What to write so the stored source mark <paramref name="stored"/> becomes <paramref name="desired"/> without
    /// ever moving back: (null, null) when nothing changes.
    /// </summary>
    public static (long? Value, ClockFollow? Follow) Changes(StoredMark stored, StoredMark desired, long now)
    {
        var current = stored.At(now);
        if (desired.Follow is { } rule)
        {
            if (stored.Follow == rule && (desired.Value is null || desired.Value <= stored.Value))
            {
                return (null, null);
            }
            // Switching rules: freeze what the stored mark reads now as its value, so it never reads lower.
            var value = Max(desired.Value, stored.Follow is null ? null : current);
            return (value is { } v && (stored.Value is null || v > stored.Value) ? v : null, stored.Follow == rule ? null : rule);
        }
        var plain = desired.Value!.Value;
        // No longer following: freeze a stored rule where it is now; raise the value if the minimum is above that.
        ClockFollow? freeze = stored.Follow is { } f && f.IsFollowing(now) ? f with { Until = now } : null;
        long? raise = current is null || plain > current ? plain : null;
        return (raise, freeze);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
