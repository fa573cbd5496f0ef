namespace FeaturePlatform.EventCenter.EventStorage.Tiering;

/// <summary>How <see cref="TieredEventStore"/> splits events between the hot and the cold store.</summary>
public sealed record TieringOptions
{
    /// <summary>
    /// Hot window, by event time: events newer than now minus this are always in the hot store. Reads that
    /// reach further back go to the cold store (and re-heat). Default: 32 days.
    /// </summary>
    public TimeSpan HotWindow { get; init; } = TimeSpan.FromDays(32);

    /// <summary>
    /// Extra time the hot family TTL keeps rows beyond <see cref="HotWindow"/>, so clock skew between this
    /// process and the store never hides a row the window still promises. Hot "e" TTL = window + grace.
    /// Default: 1 hour.
    /// </summary>
    public TimeSpan TtlGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long rows older than the window stay hot after a read re-heated them (or after they arrived late).
    /// They live in a separate family whose cell timestamp is the re-heat time, not the event time — with the
    /// event-time TTL they would expire at once. Re-heating again extends them. Default: 1 day.
    /// </summary>
    public TimeSpan ReheatRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Re-heat coverage markers are stamped this much earlier than the rows they describe, so a marker always
    /// expires before its rows and never claims rows that are gone. Default: 1 minute.
    /// </summary>
    public TimeSpan ReheatMarkerMargin { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// An as-of read that goes to cold re-heats the answer and the entity's later events up to the window start,
    /// at most this many, so later as-of reads of that entity are hot. Default: 1024.
    /// </summary>
    public int MaxReheatRowsPerEntity { get; init; } = 1024;

    /// <summary>
    /// The clock that places the window. It must agree with the stores' clocks (both use system time in
    /// production); tests inject a fake one shared with fake stores. Default: <see cref="TimeProvider.System"/>.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
