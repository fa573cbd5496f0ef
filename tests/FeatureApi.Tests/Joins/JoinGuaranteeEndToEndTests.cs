using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// SEMANTICS.md §3's join guarantee through the path users run: two Json sources posted over HTTP, ingestion,
/// live triggers, a Python job triggered by both that fetches the other source as of its trigger's event time, and
/// its rows read back over HTTP from the event center — on the embedded bus and on the Kafka mock, ~520 random
/// schedules each (seeded; set FP_JOIN_SEED to replay one). At fetch_strong no on-time pair may go unseen; the same
/// traffic through an eventual job must miss some (the test has teeth).
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class JoinGuaranteeEndToEndTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly JoinSchedules.Sizes Sizes = new(Flowing: 150, QuietRounds: 4, QuietPairs: 25, LagPairs: 60, Bursts: 3, BurstPairs: 50);

    [Fact]
    public Task On_the_embedded_bus_fetch_strong_sees_every_on_time_pair_and_eventual_misses_some() =>
        RunAsync("embedded bus", "join_e2e_embedded", new Dictionary<string, string>());

    [Fact]
    public Task On_the_Kafka_mock_fetch_strong_sees_every_on_time_pair_and_eventual_misses_some() =>
        RunAsync("Kafka mock", "join_e2e_kafka", JoinKafka.Settings(kafka, 2, "join"));

    private async Task RunAsync(string bus, string prefix, Dictionary<string, string> extra)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FP_JOIN_SEED"), out var fixedSeed) ? fixedSeed : Environment.TickCount & int.MaxValue;
        output.WriteLine($"{bus}: seed {seed} (FP_JOIN_SEED={seed} replays this plan)");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        string[] sources = [$"{prefix}_a", $"{prefix}_b"];
        var strongJob = $"{prefix}_strong_{suffix}";
        var eventualJob = $"{prefix}_eventual_{suffix}";
        await using var platform = new JoinPlatform(sources,
            [(strongJob, JoinJobs.Probe(strongJob, sources[0], sources[1], "fetch_strong")), (eventualJob, JoinJobs.Probe(eventualJob, sources[0], sources[1], "eventual"))],
            extra);
        var plan = JoinSchedules.Plan(new Random(seed), Sizes, $"p{suffix}");
        var origin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var outcomes = await new JoinRun(platform, sources, strongJob, eventualJob).RunAsync(plan, output.WriteLine);

        var report = JoinReport.Summarise(bus, seed, outcomes, origin);
        output.WriteLine(report);
        var strongUnseen = JoinReport.StrongUnseen(outcomes).Count();
        var eventualUnseen = JoinReport.EventualUnseen(outcomes).Count();
        output.WriteLine($"{bus}: fetch_strong unseen on-time pairs: {strongUnseen}; eventual unseen on-time pairs: {eventualUnseen} of {outcomes.Count(o => o.OnTime)}");
        Assert.True(outcomes.Count(o => o.OnTime) >= outcomes.Count / 2, $"Fewer than half the pairs were on time: the schedules do not test the guarantee.\n{report}");
        Assert.True(strongUnseen == 0, $"{strongUnseen} on-time pairs were seen by neither fetch_strong computation (or a computation has no row).\n{report}");
        Assert.True(eventualUnseen > 0, $"The eventual job saw every on-time pair: the schedules have no teeth.\n{report}");
    }
}
