using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>
/// Disabling a job stops its live runner (events posted meanwhile produce nothing); enabling it starts the runner
/// again from the group's committed position, which runs the backlog exactly once. Switches are stored, and a switch
/// stored by another process is applied here.
/// </summary>
public sealed class LiveJobSwitchTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Job = "order_stats_30d";
    private const string Runner = "order_stats_30d/orders";

    [Fact]
    public async Task Disable_stops_the_runner_and_enable_runs_the_backlog_exactly_once()
    {
        await factory.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var live = factory.Services.GetRequiredService<LiveJobsService>();
        var features = factory.Services.GetRequiredService<FeatureStore>();
        var events = factory.Services.GetRequiredService<IEventReader>();
        var switches = factory.Services.GetRequiredService<JobSwitchStore>();
        using var author = factory.CreateClient(PlatformFactory.Author);
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        await PollAsync(() => Task.FromResult(live.Runners.ContainsKey(Runner)), "the live runner");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Before: the job runs live.
        var warm = $"w-{Guid.NewGuid():N}";
        await PostOrdersAsync(author, warm, now, 1);
        await PollAsync(async () => await features.GetAsync(Job, warm) is not null, "features of the warm-up order");

        var disabled = await ReadJsonAsync(await admin.PostAsync($"/api/jobs/{Job}/disable", null));
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        await PollAsync(() => Task.FromResult(!live.Runners.ContainsKey(Runner)), "the runner stops");
        var stored = await switches.GetAsync(Job);
        Assert.NotNull(stored);
        Assert.False(stored.Enabled);
        Assert.Equal("demo-admin", stored.ChangedBy);

        // While disabled: events are stored by the event center but the job produces nothing.
        var user = $"u-{Guid.NewGuid():N}";
        await PostOrdersAsync(author, user, now, 3);
        await PollAsync(async () => await events.GetLatestEventAsync("orders", user, long.MaxValue) is { EventId: var id } && id == $"{user}-2",
            "the event center stores the orders");
        Assert.Null(await features.GetAsync(Job, user));
        Assert.False(live.Runners.ContainsKey(Runner));
        var status = await ReadJsonAsync(await admin.GetAsync($"/api/jobs/{Job}"));
        Assert.Equal(0, status.GetProperty("status").GetProperty("liveRunners").GetInt32());

        // Enabled: the backlog runs, each event once, none of the events before the stop again.
        var enabled = await ReadJsonAsync(await admin.PostAsync($"/api/jobs/{Job}/enable", null));
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        FeatureRecord? record = null;
        await PollAsync(async () => (record = await features.GetAsync(Job, user)) is { } r && r.EventId == $"{user}-2", "features of the backlog");
        Assert.Equal(3, record!.Values["order_count"].GetInt64());
        await PollAsync(() => Task.FromResult(live.Runners.TryGetValue(Runner, out var s) && s.Current?.Events >= 3), "the runner's counters");
        Assert.Equal(3, live.Runners[Runner].Current!.Events);
        Assert.True((await switches.GetAsync(Job))!.Enabled);

        // Caught up: the status shows no lag, the source's watermark, the last event time run and the throughput.
        // (The batch's progress is recorded once its offsets are committed, just after the counters move; the source's
        // event-time watermark moves once ingestion has marks of every partition.)
        var caughtUp = default(JsonElement);
        await PollAsync(async () => (caughtUp = (await ReadJsonAsync(await admin.GetAsync($"/api/jobs/{Job}"))).GetProperty("status"))
            .GetProperty("runners")[0] is var r && r.GetProperty("lastEventTimeMs").ValueKind == JsonValueKind.Number
            && r.GetProperty("watermarkMs").ValueKind == JsonValueKind.Number, "the batch's progress and the source's watermark");
        Assert.Equal(0, caughtUp.GetProperty("lagMs").GetInt64());
        Assert.Equal(0, caughtUp.GetProperty("pendingMessages").GetInt64());
        Assert.True(caughtUp.GetProperty("eventsPerSecond").GetDouble() > 0);
        var position = Assert.Single(caughtUp.GetProperty("runners").EnumerateArray());
        Assert.Equal("orders", position.GetProperty("source").GetString());
        Assert.Equal(now - 10_000 + 2, position.GetProperty("lastEventTimeMs").GetInt64());

        // A switch stored by another process (same storage) is applied here too.
        await switches.SetAsync(Job, false, "other-process");
        await PollAsync(() => Task.FromResult(!live.Runners.ContainsKey(Runner)), "the stored switch stops the runner");
        await ReadJsonAsync(await admin.PostAsync($"/api/jobs/{Job}/enable", null));
        await PollAsync(() => Task.FromResult(live.Runners.ContainsKey(Runner)), "the runner starts again");
    }

    private static async Task PostOrdersAsync(HttpClient client, string user, long now, int count)
    {
        var orders = string.Join(",", Enumerable.Range(0, count).Select(i =>
            $$"""{"order_id":"{{user}}-{{i}}","user_id":"{{user}}","created_at":{{now - 10_000 + i}},"amount":{{i + 1}}}"""));
        using var response = await client.PostAsync("/api/sources/orders/messages", new StringContent($"[{orders}]", Encoding.UTF8, "application/json"));
        await ReadJsonAsync(response);
    }

    [Fact]
    public async Task A_poll_that_read_an_older_switch_does_not_undo_a_newer_one()
    {
        var startup = factory.Services.GetRequiredService<RuntimeStartup>();
        await startup.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var job = startup.Registry.Find(Job)!;
        var switches = factory.Services.GetRequiredService<JobSwitchStore>();
        var disabled = await switches.SetAsync(Job, false, "test");
        var enabled = await switches.SetAsync(Job, true, "test");
        job.ApplySwitch(true, enabled.Version);

        // A poll that listed the switches before the enable was stored applies the disable after it: it must change nothing.
        Assert.False(job.ApplySwitch(false, disabled.Version));
        Assert.True(job.Enabled);
        Assert.Equal(0, await switches.ApplyAsync([job], new Dictionary<string, long>()));
        Assert.True(job.Enabled);
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));
}
