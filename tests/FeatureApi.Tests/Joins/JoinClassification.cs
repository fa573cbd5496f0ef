namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// On time or late, from what was actually posted and the source's declared bounds (SEMANTICS.md §2). An event is
/// late when a sound watermark may already have passed it when it reached the bus:
/// <list type="bullet">
/// <item>by out-of-orderness: an event earlier in its partition (lower offset) had an event time ≥ t + MaxOutOfOrderness;</item>
/// <item>by delay: its POST was answered (so it reached the bus no later than that) MaxDelay or more after t.</item>
/// </list>
/// Both are conservative: an event classified on time is on time under any sound watermark with these bounds.
/// </summary>
public static class JoinClassification
{
    /// <summary>Why each late event is late (events not in the map are on time).</summary>
    public static Dictionary<PostedEvent, string> LateEvents(IReadOnlyList<PostedEvent> events, TimeSpan maxOutOfOrderness, TimeSpan maxDelay)
    {
        var late = new Dictionary<PostedEvent, string>();
        var ooo = (long)maxOutOfOrderness.TotalMilliseconds;
        var delay = (long)maxDelay.TotalMilliseconds;
        foreach (var partition in events.GroupBy(e => (e.Topic, e.Partition)))
        {
            long? highest = null;
            foreach (var e in partition.OrderBy(e => e.Offset))
            {
                if (highest is { } h && e.EventTime <= h - ooo)
                {
                    late[e] = $"{h - e.EventTime} ms behind an earlier event of its partition";
                }
                else if (e.AnsweredAt - e.EventTime >= delay)
                {
                    late[e] = $"on the bus up to {e.AnsweredAt - e.EventTime} ms after its event time";
                }
                highest = highest is { } m ? Math.Max(m, e.EventTime) : e.EventTime;
            }
        }
        return late;
    }
}
