namespace FeaturePlatform.EventCenter.Events;

/// <summary>Event ids for sources that do not carry their own.</summary>
public static class EventIds
{
    /// <summary>
    /// A deterministic id from the source position: <c>@stream/partition/offset</c>. Re-delivery of the same
    /// position yields the same id, so it de-duplicates. The leading '@' keeps these apart from source-given ids
    /// as long as sources do not start their own ids with '@'.
    /// </summary>
    public static string FromPosition(SourcePosition position) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@{position.Stream}/{position.Partition}/{position.Offset}");
}
