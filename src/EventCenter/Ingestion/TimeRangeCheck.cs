using System.Globalization;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// Catches a range given in seconds where milliseconds are expected: a run over <c>[1767225600, 1767312000)</c> ms covers
/// one day of January 1970 and would run over nothing. A time in [<see cref="SmallestSeconds"/>, <see cref="SmallestMs"/>)
/// — as seconds 1973-03-03 to year 5138, as milliseconds the first three years of 1970 — is taken to be seconds. Smaller
/// values (0, small test times) pass. Every input that takes a time goes through it: the API's bodies, query strings and
/// form fields, the sample tables of backtest uploads, calls, posted messages (their source's time field) and the CLI.
/// </summary>
public static class TimeRangeCheck
{
    /// <summary>Times at or above this (ms) are taken to be milliseconds: 100,000,000,000 (1973-03-03).</summary>
    public const long SmallestMs = 100_000_000_000;

    /// <summary>Times below this are not taken to be seconds: 100,000,000 (1973-03-03 in seconds).</summary>
    public const long SmallestSeconds = 100_000_000;

    /// <summary>A message naming <paramref name="field"/> and the fix when <paramref name="value"/> looks like seconds, else null.</summary>
    /// <param name="field">The field as the sender names it.</param>
    /// <param name="value">The time given.</param>
    /// <param name="isoAccepted">Whether the field also takes ISO-8601 text (the fix then offers it); false for connector fields.</param>
    public static string? SecondsProblem(string field, long value, bool isoAccepted = true) =>
        SecondsReason(value, isoAccepted) is { } reason ? $"{field}: {reason}" : null;

    /// <summary>Why <paramref name="value"/> looks like seconds and what to send instead (no field name), else null.</summary>
    /// <param name="value">The time given.</param>
    /// <param name="isoAccepted">Whether the field also takes ISO-8601 text (the fix then offers it).</param>
    public static string? SecondsReason(long value, bool isoAccepted = true)
    {
        if (!LooksLikeSeconds(value))
        {
            return null;
        }
        var asMs = DateTimeOffset.FromUnixTimeMilliseconds(value).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var asSeconds = DateTimeOffset.FromUnixTimeSeconds(value).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return $"{value} read as milliseconds is {asMs}; it looks like seconds. Times are epoch milliseconds"
            + $" (send {value * 1000} for {asSeconds})" + (isoAccepted ? " or ISO-8601 (e.g. 2026-01-01T00:00:00Z)." : ".");
    }

    /// <summary>True for a time in [<see cref="SmallestSeconds"/>, <see cref="SmallestMs"/>): seconds, not milliseconds.</summary>
    public static bool LooksLikeSeconds(long value) => value is >= SmallestSeconds and < SmallestMs;

    /// <summary>The first seconds-vs-ms problem of a range, or null.</summary>
    public static string? RangeProblem(long from, long to) => SecondsProblem("from", from) ?? SecondsProblem("to", to);
}
