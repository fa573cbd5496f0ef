namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// Per-partition event-time marks, kept in the watermark index next to the offset watermarks (as the offset row of
/// a derived stream name), so every ingest process sees every partition's mark when it computes a source's
/// event-time watermark.
/// </summary>
internal static class PartitionTimeMarks
{
    private const string Prefix = "\u0001time:";

    public static string StreamOf(string topic) => Prefix + topic;

    public static bool IsTimeStream(string stream, out string topic)
    {
        if (stream.StartsWith(Prefix, StringComparison.Ordinal))
        {
            topic = stream[Prefix.Length..];
            return true;
        }
        topic = "";
        return false;
    }
}
