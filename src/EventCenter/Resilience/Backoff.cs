namespace FeaturePlatform.EventCenter.Resilience;

/// <summary>
/// The platform's one back-off: the pause after the n-th failure in a row doubles from <see cref="Initial"/> up to
/// <see cref="Max"/>. Every retry and restart loop (ingest batches, forwarders, live runners, call workers, publishers)
/// uses it, through <see cref="Supervisor"/> or <see cref="DelayAfter"/>.
/// </summary>
/// <param name="Initial">The pause after the first failure.</param>
/// <param name="Max">The longest pause; also how long a restarted loop must run well before the back-off starts over.</param>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>The pause after failure number <paramref name="failures"/> in a row (1 = the first).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var doublings = Math.Clamp(failures - 1, 0, 30);
        var ticks = Math.Min((double)Initial.Ticks * Math.Pow(2, doublings), Math.Max(Max.Ticks, Initial.Ticks));
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Throws when a pause is negative or the cap is below the first pause.</summary>
    public void Validate(string name)
    {
        if (Initial < TimeSpan.Zero || Max < Initial)
        {
            throw new ArgumentException($"{name}: the first pause must not be negative and the longest at least the first (got {Initial} and {Max}).");
        }
    }
}
