using System.Net;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Offline;

/// <summary>
/// Backfills on the production host on the Kafka mock: live computes through bus → ingestion → live trigger → run loop →
/// feature store; a backfill (<c>POST /api/backfills</c>) replays an older range into the feature store and never
/// overwrites a value of a newer event time; re-running it leaves the same store.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class BackfillTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string JobName = "bf_stats";

    /// <summary>Per order: the key's orders in the last 60 s (plus a bonus parameter) and their amount.</summary>
    private const string Module = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, Param, job

        @job("bf_stats", triggers="par_a", consistency=Consistency.EVENTUAL,
             params=[Param("bonus", int, default=0, min=0, max=1000, description="Added to the order count.")],
             outputs=[Output("pair", str), Output("orders", int), Output("amount", int)])
        def bf_stats(event, ctx):
            recent = ctx.history("par_a", event.key, since=timedelta(seconds=60))
            return {"pair": event.key, "orders": len(recent) + ctx.params["bonus"],
                    "amount": sum(int(c.data["amount"]) for c in recent)}
        """;

    [Fact]
    public async Task A_backfill_of_an_older_range_never_overwrites_a_newer_live_value_and_a_rerun_leaves_the_same_store()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "bfill", JobName, Module,
            extra: new Dictionary<string, string> { ["Runtime:Correction:Interval"] = "00:00:00" });
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Live: k1 at t0 and again at t0 + 2 s (its stored value is the newer one); k2 once at t0.
        await harness.ProduceAsync(("o1", "k1", t0, 10), ("o2", "k2", t0, 20), ("o3", "k1", t0 + 2000, 30));
        var store = harness.Services.GetRequiredService<FeatureStore>();
        var liveK1 = await store.GetAsync(JobName, "k1");
        Assert.NotNull(liveK1);
        Assert.Equal(t0 + 2000, liveK1.EventTime);
        Assert.Equal(2, liveK1.Values["orders"].GetInt64());

        // Backfill [t0, t0 + 1 s) with another bonus: it recomputes o1 (k1 at t0) and o2 (k2 at t0).
        using var operatorKey = harness.Platform.CreateClient(PlatformFactory.Operator);
        var body = $$"""{"job":"{{JobName}}","from":{{t0}},"to":{{t0 + 1000}},"parameters":{"bonus":100},"label":"correct January"}""";
        var first = await RunAsync(operatorKey, body);
        output.WriteLine(first.ToString());
        var summary = first.GetProperty("backfill");
        Assert.Equal(1, summary.GetProperty("written").GetInt64());      // k2: same event time as live, the correction replaces it
        Assert.Equal(1, summary.GetProperty("skippedNewer").GetInt64()); // k1: live holds t0 + 2 s, newer than t0
        Assert.True(summary.GetProperty("final").GetBoolean());

        var k1 = await store.GetAsync(JobName, "k1");
        var k2 = await store.GetAsync(JobName, "k2");
        Assert.Equal((t0 + 2000, "o3", 2L, 40L), (k1!.EventTime, k1.EventId, k1.Values["orders"].GetInt64(), k1.Values["amount"].GetInt64()));
        Assert.Equal((t0, "o2", 101L, 20L), (k2!.EventTime, k2.EventId, k2.Values["orders"].GetInt64(), k2.Values["amount"].GetInt64()));

        // Lineage: job version, the parameter values used, range, who.
        var run = first.GetProperty("run");
        Assert.Equal("Completed", run.GetProperty("state").GetString());
        Assert.False(string.IsNullOrEmpty(run.GetProperty("jobVersion").GetString()));
        Assert.Equal(2, run.GetProperty("versions").GetProperty(run.GetProperty("jobVersion").GetString()!).GetInt64());
        Assert.Equal(100, run.GetProperty("parameters").GetProperty("overrides").GetProperty("bonus").GetInt64());
        Assert.Equal((t0, t0 + 1000, "demo-operator", "correct January"), (summary.GetProperty("from").GetInt64(), summary.GetProperty("to").GetInt64(),
            summary.GetProperty("requestedBy").GetString(), summary.GetProperty("label").GetString()));

        // Idempotent: the same backfill again writes the same cells; the store reads the same.
        var second = await RunAsync(operatorKey, body);
        Assert.Equal((1L, 1L), (second.GetProperty("backfill").GetProperty("written").GetInt64(), second.GetProperty("backfill").GetProperty("skippedNewer").GetInt64()));
        foreach (var (key, before) in new[] { ("k1", k1), ("k2", k2) })
        {
            var after = await store.GetAsync(JobName, key);
            Assert.Equal((before.EventTime, before.EventId, before.JobVersion), (after!.EventTime, after.EventId, after.JobVersion));
            Assert.Equal(before.Values.ToDictionary(v => v.Key, v => v.Value.GetRawText()), after.Values.ToDictionary(v => v.Key, v => v.Value.GetRawText()));
        }
        var list = await ReadJsonAsync(await operatorKey.GetAsync("/api/backfills"));
        Assert.Equal(2, list.EnumerateArray().Count(b => b.GetProperty("backfill").GetProperty("job").GetString() == JobName));

        // Refusals name the field and the fix; readers may not start one.
        await AssertProblemAsync(await operatorKey.PostAsync("/api/backfills", Json($$"""{"job":"{{JobName}}","from":5,"to":5}""")), HttpStatusCode.BadRequest, "to:");
        await AssertProblemAsync(await operatorKey.PostAsync("/api/backfills", Json($$"""{"job":"{{JobName}}","from":1,"to":5,"sinks":["nope"]}""")), HttpStatusCode.BadRequest, "sinks:");
        await AssertProblemAsync(await operatorKey.PostAsync("/api/backfills", Json("""{"job":"no_such_job","from":1,"to":5}""")), HttpStatusCode.NotFound, "GET /api/jobs");
        using var reader = harness.Platform.CreateClient(PlatformFactory.Reader);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/api/backfills", Json(body))).StatusCode);
    }

    private static async Task<JsonElement> RunAsync(HttpClient client, string body)
    {
        var started = await ReadJsonAsync(await client.PostAsync("/api/backfills", Json(body)), HttpStatusCode.Accepted);
        var id = started.GetProperty("id").GetString()!;
        JsonElement status = default;
        await Poll.UntilAsync(async () =>
        {
            status = await ReadJsonAsync(await client.GetAsync($"/api/backfills/{id}"));
            return status.GetProperty("run").GetProperty("isFinished").GetBoolean();
        }, TimeSpan.FromSeconds(60), () => $"backfill {id} to finish");
        return status;
    }
}
