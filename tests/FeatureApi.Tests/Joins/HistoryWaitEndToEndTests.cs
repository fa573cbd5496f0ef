using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// ctx.history honours fetch_strong through the full path: a job triggered by A reads B's history up to its
/// trigger's event time; B's event is posted 700 ms after A's (within MaxDelay) with an earlier event time. The
/// fetch_strong job waits for B's watermark and sees it; the same read at eventual, run on the same traffic, does not.
/// </summary>
public sealed class HistoryWaitEndToEndTests
{
    [Fact]
    public async Task A_fetch_strong_history_read_waits_for_an_event_posted_after_the_trigger_with_an_earlier_time()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        string[] sources = ["hist_a", "hist_b"];
        var strong = $"hist_strong_{suffix}";
        var eventual = $"hist_eventual_{suffix}";
        await using var platform = new JoinPlatform(sources,
            [(strong, JoinJobs.HistoryProbe(strong, sources[0], sources[1], "fetch_strong")), (eventual, JoinJobs.HistoryProbe(eventual, sources[0], sources[1], "eventual"))]);
        using var client = platform.CreateClient(PlatformFactory.Author);
        await platform.Services.GetRequiredService<RuntimeStartup>().Ready;
        var traffic = new JoinTraffic(client, sources);

        // Warm-up: both runners joined and B's watermark exists.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await traffic.PostNowAsync("warm", 1, now - 100);
        await traffic.PostNowAsync("warm", 0, now);
        await Poll.UntilAsync(async () => await SeenAsync(client, strong, "warm") == 1 && await SeenAsync(client, eventual, "warm") == 1,
            TimeSpan.FromSeconds(60), () => "the warm-up rows");

        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var a = await traffic.PostNowAsync("k", 0, t0);
        // Part of the scenario, not synchronisation: B's event reaches the bus 700 ms after A's, 800 ms after its event time.
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        var b = await traffic.PostNowAsync("k", 1, t0 - 100);
        Assert.True(b.AnsweredAt - b.EventTime < JoinPlatform.MaxDelay.TotalMilliseconds, $"B reached the bus {b.AnsweredAt - b.EventTime} ms after its event time: not on time, the test proves nothing");

        int? strongSeen = null;
        int? eventualSeen = null;
        await Poll.UntilAsync(async () => (strongSeen = await SeenAsync(client, strong, "k")) is not null && (eventualSeen = await SeenAsync(client, eventual, "k")) is not null,
            TimeSpan.FromSeconds(30), () => "both jobs' rows for A's event");
        Assert.True(strongSeen == 1, $"fetch_strong history of B as of A's time ({a.EventTime}) saw {strongSeen} changes; B's event (t={b.EventTime}, on the bus by {b.AnsweredAt}) is on time and must be in it");
        Assert.True(eventualSeen == 0, $"the eventual read saw {eventualSeen} changes: it ran after B was stored, so the scenario does not show a wait");
    }

    private static async Task<int?> SeenAsync(HttpClient client, string job, string key)
    {
        using var response = await client.GetAsync($"/api/events/job.{job}/{key}/history");
        response.EnsureSuccessStatusCode();
        var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return rows.GetArrayLength() == 0 ? null : rows[0].GetProperty("after").GetProperty("seen").GetInt32();
    }
}
