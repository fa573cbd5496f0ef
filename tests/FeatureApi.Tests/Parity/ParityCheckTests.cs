using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Replay.Cli;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Parity;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Parity;

/// <summary>
/// The parity check users run (<c>/api/parity</c>) and the on-demand correction run, on the production host on the
/// Kafka mock: live computes through bus → ingestion → live trigger → run loop → outputs; the check replays the range
/// as backtests do and explains each difference (late data, version, parameters).
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class ParityCheckTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string JobName = "par_stats";

    /// <summary>Per order: the key's orders (plus a bonus parameter) and amount over the last 60 s of its own history.</summary>
    private static string Module(int extra = 0) => $$"""
        from datetime import timedelta
        from featureplatform import Consistency, Output, Param, job

        @job("par_stats", triggers="par_a", consistency=Consistency.EVENTUAL,
             params=[Param("bonus", int, default=0, min=0, max=1000, description="Added to the order count.")],
             outputs=[Output("pair", str), Output("orders", int), Output("amount", int)])
        def par_stats(event, ctx):
            recent = ctx.history("par_a", event.key, since=timedelta(seconds=60))
            return {"pair": event.key, "orders": len(recent) + ctx.params["bonus"] + {{extra}},
                    "amount": sum(int(c.data["amount"]) for c in recent)}
        """;

    [Fact]
    public async Task A_late_event_stored_without_repair_is_reported_as_late_data_and_a_correction_run_makes_live_equal_the_replay()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "parlate", JobName, Module(),
            extra: new Dictionary<string, string> { ["Runtime:Correction:Interval"] = "00:00:00" });
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await harness.ProduceAsync(("o1", "k1", t0, 10), ("o2", "k1", t0 + 1000, 20), ("o3", "k1", t0 + 2000, 30));
        var baseline = await harness.CheckAsync(t0 - 1, t0 + 10_000);
        Assert.Equal(3, ParityHarness.Count(baseline, "equal"));
        Assert.Equal(0, ParityHarness.Count(baseline, "differing"));

        // Late: its time is before o2's and o3's, which live computed without it (repair is off).
        await harness.ProduceAsync(("o0", "k1", t0 + 500, 5));
        var report = await harness.CheckAsync(t0 - 1, t0 + 10_000);
        output.WriteLine(report.ToString());
        Assert.Equal(2, ParityHarness.Count(report, "differing"));
        Assert.Equal(2, ParityHarness.Count(report, "equal"));
        Assert.Equal(0, ParityHarness.Count(report, "liveMissing") + ParityHarness.Count(report, "replayMissing"));
        Assert.All(ParityHarness.Causes(report), c => Assert.Equal("late-data", c));
        Assert.Equal(["o2", "o3"], report.GetProperty("differences").EnumerateArray().Select(d => d.GetProperty("eventId").GetString()).Order());

        // The CLI runs the same check and exits 3 (rows differ) with the causes.
        using (var cli = new StringWriter())
        {
            var code = await ParityCommand.RunAsync(harness.Services.GetRequiredService<ParityService>(),
                ParityArguments.Parse(["--job", JobName, "--from", $"{t0 - 1}", "--to", $"{t0 + 10_000}"]), cli, cli, CancellationToken.None);
            output.WriteLine(cli.ToString());
            Assert.Equal(ParityCommand.Differ, code);
            Assert.Contains("by cause: late-data 2", cli.ToString(), StringComparison.Ordinal);
        }

        var correction = await harness.CheckAsync(t0 - 1, t0 + 10_000, correct: true);
        Assert.Equal(2, ParityHarness.Count(correction, "corrected"));
        var after = await harness.CheckAsync(t0 - 1, t0 + 10_000);
        Assert.Equal(4, ParityHarness.Count(after, "equal"));
        Assert.Equal(0, ParityHarness.Count(after, "differing") + ParityHarness.Count(after, "liveMissing") + ParityHarness.Count(after, "replayMissing"));
        // The feature store holds the corrected row of the key's latest order: all four orders.
        var stored = await harness.Services.GetRequiredService<FeatureStore>().GetAsync(JobName, "k1");
        Assert.NotNull(stored);
        Assert.Equal(4, stored.Values["orders"].GetInt64());
        Assert.Equal(65, stored.Values["amount"].GetInt64());
    }

    [Fact]
    public async Task The_scheduled_correction_replay_rewrites_what_late_data_left_stale()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "parsched", JobName, Module(),
            extra: new Dictionary<string, string> { ["Runtime:Correction:Interval"] = "00:00:01", ["Runtime:Correction:Window"] = "01:00:00" });
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await harness.ProduceAsync(("s1", "k4", t0, 10), ("s2", "k4", t0 + 1000, 20));
        await harness.ProduceAsync(("s0", "k4", t0 + 500, 5));
        // A later order of another key moves the source's watermark past the orders: they are in the corrected window.
        await harness.ProduceAsync(("s9", "k5", t0 + 5000, 1));
        var results = harness.Services.GetRequiredService<Runtime.Repair.ResultLog>();
        var store = harness.Services.GetRequiredService<FeatureStore>();
        // The correction writes its outputs side by side with its result-log row: the log may show it before the store.
        await Poll.UntilAsync(async () => (await results.GetAsync(JobName, [(ParityHarness.Source, "s2")])).Values.Single().Kind == Runtime.Repair.ComputationKind.Correction
                && (await store.GetAsync(JobName, "k4"))?.Values["orders"].GetInt64() == 3,
            TimeSpan.FromSeconds(60), () => "the scheduled correction to rewrite s2 in the result log and the feature store (3 orders)");
        var after = await harness.CheckAsync(t0 - 1, t0 + 10_000);
        Assert.Equal(0, ParityHarness.Count(after, "differing"));
    }

    [Fact]
    public async Task A_version_change_between_live_and_the_check_is_reported_as_version()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "parversion", JobName, Module());
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await harness.ProduceAsync(("v1", "k2", t0, 10), ("v2", "k2", t0 + 1000, 20));
        var job = harness.Services.GetRequiredService<RuntimeStartup>().Registry.Find(JobName)!;
        var before = job.Version;
        await File.WriteAllTextAsync(Path.Combine(harness.Platform.JobsDirectory, JobName + ".py"), Module(extra: 100));
        await job.Loaded.ReloadAsync();
        await Poll.UntilAsync(() => Task.FromResult(job.Version != before), TimeSpan.FromSeconds(30), () => "the edited job to load");

        var report = await harness.CheckAsync(t0 - 1, t0 + 10_000);
        output.WriteLine(report.ToString());
        Assert.Equal(2, ParityHarness.Count(report, "differing"));
        Assert.All(ParityHarness.Causes(report), c => Assert.Equal("version", c));
        Assert.All(report.GetProperty("differences").EnumerateArray(), d =>
        {
            Assert.Equal(before, d.GetProperty("liveVersion").GetString());
            Assert.Equal(job.Version, d.GetProperty("replayVersion").GetString());
        });
    }

    [Fact]
    public async Task A_parameter_change_approved_after_live_ran_is_reported_as_parameters()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "parparams", JobName, Module());
        // Orders stamped two minutes ahead: live runs them now, with the values in force now.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var tf = now + 120_000;
        await harness.ProduceAsync(("p1", "k3", tf, 10), ("p2", "k3", tf + 1000, 20));
        var baseline = await harness.CheckAsync(tf - 1, tf + 10_000);
        Assert.Equal(2, ParityHarness.Count(baseline, "equal"));

        // Approved after live ran, in force from before the orders' times: a replay uses it, live did not.
        await harness.Services.GetRequiredService<IParameterStore>().SetAsync(JobName, new Dictionary<string, object?> { ["bonus"] = 5L }, "test", "after live ran",
            effectiveAt: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 2_000);
        var report = await harness.CheckAsync(tf - 1, tf + 10_000);
        output.WriteLine(report.ToString());
        Assert.Equal(2, ParityHarness.Count(report, "differing"));
        Assert.All(ParityHarness.Causes(report), c => Assert.Equal("parameters", c));
    }

    [Theory]
    [InlineData(new[] { "--from", "0", "--to", "1" }, "'--job' is required")]
    [InlineData(new[] { "--job", "j", "--from", "0" }, "'--to' is required")]
    [InlineData(new[] { "--job", "j", "--from", "soon", "--to", "1" }, "'soon'")]
    [InlineData(new[] { "--job", "j", "--from", "5", "--to", "5" }, "before")]
    public void Bad_cli_arguments_are_refused_with_the_reason(string[] args, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => ParityArguments.Parse(args)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"from": 1, "to": 2}""", "job:")]
    [InlineData("""{"job": "par_stats", "from": "yesterday", "to": 2}""", "from:")]
    [InlineData("""{"job": "par_stats", "from": 1}""", "to:")]
    [InlineData("""{"job": "par_stats", "from": 5, "to": 5}""", "to:")]
    [InlineData("""{"job": "par_stats", "from": 1, "to": 2, "correct": "yes"}""", "correct:")]
    [InlineData("""{"job": "par_stats", "from": 1, "to": 2, "range": 3}""", "range:")]
    [InlineData("""[1, 2]""", "JSON object")]
    public async Task A_bad_request_is_a_400_naming_the_field(string body, string field)
    {
        await using var platform = new PlatformFactory();
        using var client = platform.CreateClient(PlatformFactory.Reader);
        var response = await client.PostAsync("/api/parity", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(field, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("FeaturePlatform.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_correction_needs_the_operator_or_admin_role_and_an_unknown_job_is_named()
    {
        await using var platform = new PlatformFactory();
        using var reader = platform.CreateClient(PlatformFactory.Reader);
        var forbidden = await reader.PostAsJsonAsync("/api/parity", new { job = "order_stats_30d", from = 1, to = 2, correct = true });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("correct:", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var client = platform.CreateClient(PlatformFactory.Operator);
        await Poll.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), () => "the platform to be ready");
        var unknown = await client.PostAsJsonAsync("/api/parity", new { job = "no_such_job", from = 1, to = 2 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("job:", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
