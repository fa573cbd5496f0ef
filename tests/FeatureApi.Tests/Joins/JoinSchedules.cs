namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// Random schedules laid out in phases on one time line: both streams flowing (with forward and reverse event-time
/// order), rounds in which one source has been quiet for seconds, windows in which one source lags the clock by less
/// and by more than MaxDelay, and bursts. Side 0 is source A, side 1 source B.
/// </summary>
public static class JoinSchedules
{
    /// <summary>Pairs per phase (flowing, quiet rounds × pairs, lag windows × pairs, bursts × pairs).</summary>
    public sealed record Sizes(int Flowing, int QuietRounds, int QuietPairs, int LagPairs, int Bursts, int BurstPairs)
    {
        public int Total => Flowing + QuietRounds * QuietPairs + 2 * LagPairs + Bursts * BurstPairs;
    }

    private static readonly TimeSpan FlowLength = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan QuietRound = TimeSpan.FromSeconds(4.5);
    private static readonly TimeSpan LagWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan InTime = TimeSpan.FromMilliseconds(900);   // < MaxDelay − posting latency
    private static readonly TimeSpan Beyond = TimeSpan.FromMilliseconds(2200);  // > MaxDelay

    /// <summary>The schedules, ordered by the time their first event is posted.</summary>
    public static List<PlannedPair> Plan(Random random, Sizes sizes, string prefix)
    {
        var pairs = new List<PlannedPair>();
        var next = 0;
        string Name() => $"{prefix}-{next++}";
        TimeSpan Ms(double from, double to) => TimeSpan.FromMilliseconds(from + random.NextDouble() * (to - from));

        // Flowing: random start, random first side, second 0–600 ms later; half the pairs in reverse event-time order.
        for (var i = 0; i < sizes.Flowing; i++)
        {
            var first = random.Next(2);
            var start = FlowLength * random.NextDouble();
            var delay = Ms(0, 600);
            var firstLag = Ms(0, 300);
            var reverse = random.Next(2) == 0;
            var secondLag = reverse ? delay + firstLag + Ms(0, 300) : Ms(0, 300);
            var pair = Name();
            pairs.Add(new PlannedPair(pair, reverse ? JoinScenario.Reverse : JoinScenario.Flowing,
                new PlannedEvent(pair, first, start, firstLag), new PlannedEvent(pair, 1 - first, start + delay, secondLag)));
        }

        // Quiet rounds: the quiet side (alternating) has posted nothing for ≥ 2.5 s when the other side's events come;
        // its partners follow 0.2–1.3 s later, four in five with an earlier event time.
        var at = FlowLength + TimeSpan.FromSeconds(2.5);
        for (var round = 0; round < sizes.QuietRounds; round++, at += QuietRound)
        {
            var quiet = round % 2;
            for (var i = 0; i < sizes.QuietPairs; i++)
            {
                var start = at + Ms(0, 1000);
                var lag = Ms(0, 200);
                var delay = Ms(200, 1300);
                var quietLag = random.Next(5) == 0 ? Ms(0, 200) : delay + lag + Ms(0, 150);
                var pair = Name();
                pairs.Add(new PlannedPair(pair, JoinScenario.Quiet,
                    new PlannedEvent(pair, 1 - quiet, start, lag), new PlannedEvent(pair, quiet, start + delay, quietLag)));
            }
        }

        // Lag windows: B lags by ~0.9 s (on time), then A by ~2.2 s (beyond MaxDelay: late).
        foreach (var (lagging, lag, scenario) in new[] { (1, InTime, JoinScenario.Lagging), (0, Beyond, JoinScenario.LaggingBeyondMaxDelay) })
        {
            for (var i = 0; i < sizes.LagPairs; i++)
            {
                var start = at + LagWindow * random.NextDouble();
                var delay = Ms(0, 800);
                var pair = Name();
                var fresh = new PlannedEvent(pair, 1 - lagging, start, Ms(0, 200));
                var late = new PlannedEvent(pair, lagging, start + delay, lag + Ms(0, 200));
                pairs.Add(random.Next(2) == 0 ? new PlannedPair(pair, scenario, fresh, late) : new PlannedPair(pair, scenario, late with { PostAt = start }, fresh with { PostAt = start + delay }));
            }
            at += LagWindow + TimeSpan.FromSeconds(1);
        }

        // Bursts: each source's events of a burst in one array POST, both POSTs at the same instant.
        for (var burst = 0; burst < sizes.Bursts; burst++, at += TimeSpan.FromSeconds(1))
        {
            for (var i = 0; i < sizes.BurstPairs; i++)
            {
                var pair = Name();
                pairs.Add(new PlannedPair(pair, JoinScenario.Burst,
                    new PlannedEvent(pair, 0, at, Ms(0, 500), burst), new PlannedEvent(pair, 1, at, Ms(0, 500), burst)));
            }
        }
        pairs.Sort((x, y) => x.First.PostAt.CompareTo(y.First.PostAt));
        return pairs;
    }
}
