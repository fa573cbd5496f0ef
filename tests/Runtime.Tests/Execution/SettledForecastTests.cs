using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Workers;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// What the host reads ahead for a worker's batch: only sources a crossing fetch showed are fetched by the event's key as
/// of its time, only entities it does not hold, and nothing once the answers sent ahead mostly go unused.
/// </summary>
public sealed class SettledForecastTests
{
    private readonly object scope = new();
    private readonly Settled settled = new();
    private readonly SettledForecast forecast = new();

    private static List<FeatureEvent> Batch(int from, int count) => [.. Enumerable.Range(from, count).Select(i => new FeatureEvent("orders", $"u{i}", 1000 + i))];

    [Fact]
    public async Task Reads_ahead_only_after_a_crossing_fetch_matched_an_event_by_key_and_time()
    {
        var first = Batch(0, 20);
        Assert.Empty(await forecast.ForecastAsync(settled, scope, Batch(20, 20), CancellationToken.None));

        // Another source's fetch as of another time, and a fetch by another key: no pattern.
        forecast.Crossed(scope, new EventKeys(first), 3, "profiles", "u3", 999);
        forecast.Crossed(scope, new EventKeys(first), 3, "profiles", "someone", 1003);
        Assert.Empty(await forecast.ForecastAsync(settled, scope, Batch(20, 20), CancellationToken.None));

        // The fetch of event 3's key as of its time (an untracked run's event index says nothing: found by key and time).
        forecast.Crossed(scope, new EventKeys(first), 0, "profiles", "u3", 1003);
        settled.Hold("u25");
        var ahead = await forecast.ForecastAsync(settled, scope, Batch(20, 20), CancellationToken.None);
        Assert.Equal([.. Enumerable.Range(20, 20).Where(i => i != 25).Select(i => $"u{i}")], ahead.Select(a => a.Key));
        Assert.All(ahead, a => Assert.Equal(("profiles", new SettledRange(0, 5000)), (a.Source, a.Range)));
        // Another scope (another run) learned nothing.
        Assert.Empty(await forecast.ForecastAsync(settled, new object(), Batch(40, 20), CancellationToken.None));
    }

    [Fact]
    public async Task Stops_reading_ahead_when_most_answers_sent_ahead_go_unused_until_a_fetch_matches_again()
    {
        var first = Batch(0, 20);
        forecast.Crossed(scope, new EventKeys(first), 5, "profiles", "u5", 1005);
        var ahead = await forecast.ForecastAsync(settled, scope, Batch(20, 20), CancellationToken.None);
        forecast.Judge(scope, ahead.Count, used: ahead.Count / 2); // half used: keep going
        Assert.Equal(20, (await forecast.ForecastAsync(settled, scope, Batch(40, 20), CancellationToken.None)).Count);

        forecast.Judge(scope, 20, used: 3);
        Assert.Empty(await forecast.ForecastAsync(settled, scope, Batch(60, 20), CancellationToken.None));

        forecast.Crossed(scope, new EventKeys(Batch(60, 20)), 1, "profiles", "u61", 1061);
        Assert.Equal(20, (await forecast.ForecastAsync(settled, scope, Batch(80, 20), CancellationToken.None)).Count);
    }

    /// <summary>Every entity settled over [0, 5000); holds what was read (or <see cref="Hold"/>).</summary>
    private sealed class Settled : ISettledFetches
    {
        private readonly HashSet<string> held = [];

        public object? SettledScope => this;

        public void Hold(string key) => held.Add(key);

        public bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs)
        {
            (json, fromMs, untilMs) = ("{}", 0, 5000);
            return held.Contains(key);
        }

        public bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs) =>
            TryGetSettled(source, key, asOfMs, out _, out fromMs, out untilMs);

        public ValueTask<SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken)
        {
            held.Add(key);
            return ValueTask.FromResult<SettledRead?>(new SettledRead($$"""{"key":"{{key}}"}""", 0, 5000));
        }
    }
}
