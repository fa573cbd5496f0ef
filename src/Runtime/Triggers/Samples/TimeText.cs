using System.Globalization;
using FeaturePlatform.EventCenter.Ingestion;

namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>
/// Times as users write them: epoch milliseconds or ISO-8601. <see cref="Problem"/> and <see cref="Parse"/> add the
/// seconds-vs-ms check (<see cref="TimeRangeCheck"/>) every time input of the API and the CLI goes through.
/// </summary>
public static class TimeText
{
    /// <summary>
    /// Parses epoch milliseconds (an integer) or an ISO-8601 date/time (UTC unless it carries an offset) into ms since
    /// the Unix epoch.
    /// </summary>
    public static bool TryParse(string text, out long ms)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ms))
        {
            return true;
        }
        if (text.Length >= 10 && char.IsAsciiDigit(text[0])
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            ms = parsed.ToUnixTimeMilliseconds();
            return true;
        }
        ms = 0;
        return false;
    }

    /// <summary>The accepted forms, for messages.</summary>
    public const string Forms = "epoch milliseconds (e.g. 1767225600000) or ISO-8601 (e.g. 2026-01-01 or 2026-01-01T00:00:00Z, UTC unless an offset is given)";

    /// <summary>
    /// Parses <paramref name="text"/> (<see cref="TryParse"/>) and checks it is not a time in seconds; null when it is a
    /// usable time, else a message naming <paramref name="field"/> and the fix.
    /// </summary>
    public static string? Problem(string field, string text, out long ms)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text.Trim(), out ms) ? TimeRangeCheck.SecondsProblem(field, ms) : $"{field}: '{text}' is not a time; give {Forms}.";
    }

    /// <summary>The time <paramref name="text"/> in ms (<see cref="Problem"/>).</summary>
    /// <exception cref="FormatException">It is not a time, or looks like seconds; the message names <paramref name="field"/> and the fix.</exception>
    public static long Parse(string text, string field) => Problem(field, text, out var ms) is { } problem ? throw new FormatException(problem) : ms;
}
