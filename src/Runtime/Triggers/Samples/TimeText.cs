using System.Globalization;

namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>Times as users write them: epoch milliseconds or ISO-8601.</summary>
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
}
