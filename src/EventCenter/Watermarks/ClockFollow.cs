namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// A stored rule "this mark follows the clock": at clock time <c>now</c> the mark is at least
/// <c>min(now, Until) − Lag</c>. It is written once when a partition turns idle (and renewed before
/// <see cref="Until"/>), instead of writing the clock's reading on every idle round; readers evaluate it with
/// their own clock. <see cref="Until"/> bounds it: if the ingest process that wrote it dies, the mark stops
/// following the clock there. A rule whose <see cref="Until"/> has passed is a plain value
/// <c>Until − Lag</c>; writing a rule with <c>Until = now</c> freezes a following mark where it is.
/// </summary>
/// <param name="Lag">How far behind the clock the mark stays (ms).</param>
/// <param name="Until">Clock time (ms since the epoch) after which the mark no longer follows the clock.</param>
public readonly record struct ClockFollow(long Lag, long Until)
{
    /// <summary>The mark this rule gives at clock time <paramref name="now"/> (ms).</summary>
    public long At(long now) => Math.Min(now, Until) - Lag;

    /// <summary>True while the rule still follows the clock at <paramref name="now"/>.</summary>
    public bool IsFollowing(long now) => Until > now;
}

/// <summary>
/// A watermark as stored: a plain value, a clock rule, or both; the mark is the larger of the value and the rule's
/// reading (<see cref="At"/>).
/// </summary>
/// <param name="Value">The plain value, or null.</param>
/// <param name="Follow">The clock rule, or null.</param>
public readonly record struct StoredMark(long? Value, ClockFollow? Follow)
{
    /// <summary>The mark at clock time <paramref name="now"/> (ms), or null when nothing is stored.</summary>
    public long? At(long now) => (Value, Follow) switch
    {
        (null, null) => null,
        ({ } v, null) => v,
        (null, { } f) => f.At(now),
        ({ } v, { } f) => Math.Max(v, f.At(now)),
    };

    /// <summary>True while the mark follows the clock at <paramref name="now"/>.</summary>
    public bool IsFollowing(long now) => Follow is { } f && f.IsFollowing(now);
}
