using System.Net;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// One run of the join test on a started platform: a warm-up pair (every runner joined, every watermark exists),
/// the planned traffic over HTTP, then every computation's row read back over HTTP from the event center.
/// </summary>
public sealed class JoinRun(JoinPlatform platform, IReadOnlyList<string> sources, string strongJob, string eventualJob)
{
    /// <summary>How long after the traffic the rows may take: a fetch-strong wait that times out, plus slack.</summary>
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(45);

    public async Task<IReadOnlyList<PairOutcome>> RunAsync(IReadOnlyList<PlannedPair> plan, Action<string> log)
    {
        using var client = platform.CreateClient(PlatformFactory.Author);
        client.Timeout = TimeSpan.FromSeconds(60);
        await platform.Services.GetRequiredService<RuntimeStartup>().Ready;
        var live = platform.Services.GetRequiredService<LiveJobsService>();
        await Poll.UntilAsync(() => Task.FromResult(live.Runners.Count >= 4), TimeSpan.FromSeconds(60), () => $"4 live runners (have {string.Join(", ", live.Runners.Keys)})");

        var traffic = new JoinTraffic(client, sources);
        var warm = $"warm-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await traffic.PostNowAsync(warm, 0, now);
        await traffic.PostNowAsync(warm, 1, now);
        await Poll.UntilAsync(async () => (await RowsAsync(client, strongJob, warm)).Complete && (await RowsAsync(client, eventualJob, warm)).Complete,
            TimeSpan.FromSeconds(90), () => "the warm-up pair's rows from both jobs");

        var started = DateTimeOffset.UtcNow;
        await traffic.RunAsync(plan);
        log($"traffic of {plan.Count} pairs posted in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s");

        var byPair = traffic.Posted.Where(e => e.Pair != warm).ToLookup(e => e.Pair);
        var late = JoinClassification.LateEvents(traffic.Posted.Where(e => e.Pair != warm).ToList(), JoinPlatform.MaxOutOfOrderness, JoinPlatform.MaxDelay);
        var strong = new Dictionary<string, PairRows>();
        var eventual = new Dictionary<string, PairRows>();
        var deadline = DateTimeOffset.UtcNow + Drain;
        var pending = plan.Select(p => p.Pair).ToList();
        while (pending.Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            foreach (var chunk in pending.Chunk(32))
            {
                await Task.WhenAll(chunk.Select(async pair =>
                {
                    var s = await RowsAsync(client, strongJob, pair);
                    var e = await RowsAsync(client, eventualJob, pair);
                    lock (strong)
                    {
                        strong[pair] = s;
                        eventual[pair] = e;
                    }
                }));
            }
            pending = pending.Where(p => !strong[p].Complete || !eventual[p].Complete).ToList();
            if (pending.Count > 0)
            {
                await Task.Delay(250);
            }
        }
        log($"rows read back {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s after the traffic started; {pending.Count} pairs without both rows of both jobs");

        return plan.Select(p =>
        {
            var a = byPair[p.Pair].Single(e => e.Side == 0);
            var b = byPair[p.Pair].Single(e => e.Side == 1);
            var why = string.Join("; ", new[] { a, b }.Where(late.ContainsKey).Select(e => $"{(e.Side == 0 ? "A" : "B")} {late[e]}"));
            return new PairOutcome(p, a, b, why.Length == 0 ? null : why, strong[p.Pair], eventual[p.Pair]);
        }).ToList();
    }

    private async Task<PairRows> RowsAsync(HttpClient client, string job, string pair)
    {
        using var response = await client.GetAsync($"/api/events/job.{job}/{pair}/history");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET history of job.{job}/{pair} answered {(int)response.StatusCode}");
        }
        bool? aSaw = null;
        bool? bSaw = null;
        foreach (var row in JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray())
        {
            var values = row.GetProperty("after");
            var saw = values.GetProperty("saw").GetBoolean();
            if (values.GetProperty("side").GetString() == sources[0])
            {
                aSaw = saw;
            }
            else
            {
                bSaw = saw;
            }
        }
        return new PairRows(aSaw, bSaw);
    }
}
