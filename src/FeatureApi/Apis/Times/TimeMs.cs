using System.Diagnostics.CodeAnalysis;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Apis.Times;

/// <summary>
/// A time in a query string (<c>asOf</c>, <c>from</c>, <c>to</c>): epoch milliseconds (<c>1767225600000</c>) or ISO-8601
/// (<c>2026-01-05</c>, <c>2026-01-05T10:00:00Z</c>; UTC unless it carries an offset). Bound by minimal APIs through
/// <see cref="TryParse"/>; a value that is neither, or a number that looks like seconds (<see cref="TimeText.Problem"/>),
/// does not bind: a 400 naming the parameter and the fix.
/// </summary>
/// <param name="Value">Milliseconds since the Unix epoch.</param>
public readonly record struct TimeMs(long Value) : IParsable<TimeMs>
{
    /// <summary>The accepted forms, for messages.</summary>
    public const string Forms = TimeText.Forms;

    /// <inheritdoc />
    public static TimeMs Parse(string s, IFormatProvider? provider) =>
        TryParse(s, provider, out var t) ? t : throw new FormatException($"'{s}' is not a time: give {Forms}.");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out TimeMs result)
    {
        if (s is not null && TimeText.Problem("", s, out var ms) is null)
        {
            result = new TimeMs(ms);
            return true;
        }
        result = default;
        return false;
    }
}
