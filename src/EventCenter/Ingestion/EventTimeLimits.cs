using System.Globalization;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// The checks every event time passes before it is stored, whichever way the event arrives (ingestion of bus messages,
/// the HTTP message-forward path, calls): a time in year 1970..9999 and no further than
/// <see cref="IngestOptions.MaxEventTimeAhead"/> ahead of the receiving clock (a bad clock or a typo must not pin a
/// source's watermark in the future).
/// </summary>
/// <param name="MaxAhead">How far ahead of the clock an event time may be (<c>EventCenter:Ingest:MaxEventTimeAhead</c>).</param>
public sealed record EventTimeLimits(TimeSpan MaxAhead)
{
    /// <summary>The earliest storable event time: 1970-01-01T00:00:00Z (ms).</summary>
    public const long MinTime = 0;

    /// <summary>The latest storable event time: 9999-12-31T23:59:59.999Z (ms).</summary>
    public const long MaxTime = 253402300799999;

    /// <summary>Null when <paramref name="eventTime"/> may be stored at <paramref name="now"/>, else what is wrong with it
    /// (a phrase to follow "event time …", e.g. "is more than 00:10:00 ahead of the ingest clock").</summary>
    /// <param name="eventTime">The event time (ms since 1970).</param>
    /// <param name="now">The receiving clock (ms since 1970).</param>
    /// <param name="clockName">How the message names the clock, e.g. "the ingest clock".</param>
    public string? Check(long eventTime, long now, string clockName)
    {
        if (eventTime is < MinTime or > MaxTime)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{eventTime} is outside year 1970..9999");
        }
        return eventTime > now + (long)MaxAhead.TotalMilliseconds
            ? string.Create(CultureInfo.InvariantCulture, $"{eventTime} ({DateTimeOffset.FromUnixTimeMilliseconds(eventTime):u}) is more than {MaxAhead} ahead of {clockName}")
            : null;
    }
}
