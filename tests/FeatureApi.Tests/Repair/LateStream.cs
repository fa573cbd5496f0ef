using System.Text;
using FeaturePlatform.EventCenter.Bus;

namespace FeaturePlatform.FeatureApi.Tests.Repair;

/// <summary>
/// A stream of two related sources (orders <c>late_a</c>, profiles <c>late_b</c>; key <c>pair</c>) as connectors
/// deliver it: event times 1 ms apart and unique, keys skewed (a few hot entities), arrival out of order by up to
/// 300 ms, 2% of events re-delivered (duplicates) and 2% arriving 5–60 s late.
/// </summary>
internal sealed class LateStream
{
    private LateStream(IReadOnlyList<StreamEvent> events, IReadOnlyList<StreamEvent> arrivals)
    {
        Events = events;
        Arrivals = arrivals;
    }

    /// <summary>Every distinct event, in event-time order.</summary>
    public IReadOnlyList<StreamEvent> Events { get; }

    /// <summary>The messages in arrival order (late ones after the stream moved on, duplicates included).</summary>
    public IReadOnlyList<StreamEvent> Arrivals { get; }

    /// <summary>Late events (arriving 5–60 s of event time after their time).</summary>
    public int Late => LateIds.Count;

    /// <summary>The ids of the late events.</summary>
    public IReadOnlySet<string> LateIds { get; private init; } = new HashSet<string>();

    /// <summary>Builds <paramref name="count"/> events starting at <paramref name="t0"/>, seeded.</summary>
    public static LateStream Build(int count, long t0, int seed, int entities = 300)
    {
        var random = new Random(seed);
        var events = new List<StreamEvent>(count);
        var arrivals = new List<(double At, StreamEvent Event)>(count + count / 40);
        var late = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            // Skewed: entity ⌊n·u³⌋ (u uniform): the first few entities get most events.
            var pair = $"k{(int)(entities * Math.Pow(random.NextDouble(), 3))}";
            var time = t0 + i;
            var e = random.NextDouble() < 0.7
                ? new StreamEvent("late_a", pair, time, $"a{i}", $$"""{"id":"a{{i}}","pair":"{{pair}}","t":{{time}},"amount":{{random.Next(1, 100)}}}""")
                : new StreamEvent("late_b", pair, time, $"b{i}", $$"""{"id":"b{{i}}","pair":"{{pair}}","t":{{time}},"tier":"{{(char)('a' + random.Next(5))}}"}""");
            events.Add(e);
            var lateBy = random.NextDouble() < 0.02 ? random.Next(5_000, 60_001) : 0;
            if (lateBy > 0)
            {
                late.Add(e.Id);
            }
            var at = i + (lateBy > 0 ? lateBy : random.Next(0, 300)) + random.NextDouble();
            arrivals.Add((at, e));
            if (random.NextDouble() < 0.02)
            {
                arrivals.Add((at + random.Next(1, 2_000) + random.NextDouble(), e));
            }
        }
        return new LateStream(events, [.. arrivals.OrderBy(a => a.At).Select(a => a.Event)]) { LateIds = late };
    }
}

/// <summary>One event of a <see cref="LateStream"/>.</summary>
internal sealed record StreamEvent(string Source, string Pair, long Time, string Id, string Json)
{
    public OutgoingMessage Message => new(Encoding.UTF8.GetBytes(Pair), Encoding.UTF8.GetBytes(Json));
}
