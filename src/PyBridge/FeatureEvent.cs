namespace FeaturePlatform.PyBridge;

/// <summary>An event handed to a job's logic (the <c>event</c> argument in Python).</summary>
/// <param name="Source">The source the event came from (<c>event.source</c>).</param>
/// <param name="Key">The entity key (<c>event.key</c>).</param>
/// <param name="TimeMs">Event time, epoch milliseconds (<c>event.time_ms</c>; the default as-of of fetches).</param>
/// <param name="DataJson">The event's fields as a JSON object (<c>event.data</c>); null means <c>{}</c>.</param>
/// <param name="Id">The event's identity (<c>event.id</c>), if it has one.</param>
public sealed record FeatureEvent(string Source, string Key, long TimeMs, string? DataJson = null, string? Id = null);
