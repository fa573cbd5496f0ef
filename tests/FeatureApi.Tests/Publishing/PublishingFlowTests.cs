using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Publishing;

/// <summary>
/// The author's publishing flow through HTTP on the production host (Kafka mock): the jobs directory's version is
/// registered; a broken upload is refused naming file and line; a good v2 is backtested against what live produced,
/// approved by another reviewer, promoted — the live runner then computes with v2 (outputs carry its hash) — and a
/// rollback brings v1 back; every step is in the audit log.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class PublishingFlowTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string JobName = "pub_stats";

    private static string Module(int extra = 0) => $$"""
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job("pub_stats", triggers="par_a", consistency=Consistency.EVENTUAL,
             outputs=[Output("pair", str), Output("orders", int), Output("amount", int)])
        def pub_stats(event, ctx):
            recent = ctx.history("par_a", event.key, since=timedelta(seconds=60))
            return {"pair": event.key, "orders": len(recent) + {{extra}},
                    "amount": sum(int(c.data["amount"]) for c in recent)}
        """;

    private const string Broken = """
        from featureplatform import Output, job

        @job("pub_stats", triggers="par_a", outputs=[Output("pair", str)])
        def pub_stats(event, ctx):
            return {"pair": event.key}

        raise ValueError("configuration missing")
        """;

    [Fact]
    public async Task Publish_backtest_approve_promote_and_roll_back_through_http()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "publish", JobName, Module(),
            extra: new Dictionary<string, string> { ["Runtime:Correction:MaxListedDifferences"] = "1" });
        var startup = harness.Services.GetRequiredService<RuntimeStartup>();
        var job = startup.Registry.Find(JobName)!;
        var v1 = job.Version;
        var features = harness.Services.GetRequiredService<FeatureStore>();
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var reviewer = harness.Platform.CreateClient(PlatformFactory.Reviewer);
        using var admin = harness.Platform.CreateClient(PlatformFactory.Admin);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 30_000;
        await harness.ProduceAsync(("o1", "k1", t0, 10), ("o2", "k1", t0 + 1000, 20));

        // The jobs directory's version is in the registry (its content hash computed in C# equals Python's).
        var versions = await GetJsonAsync(author, $"/api/registry/jobs/{JobName}/versions");
        Assert.Contains(versions.GetProperty("versions").EnumerateArray(), v => v.GetProperty("version").GetString() == v1 && v.GetProperty("state").GetString() == "Local");

        // A module that fails while importing: 422 naming the file and line, no host stack trace.
        using (var refused = await author.PostAsync($"/api/registry/jobs/{JobName}/versions", Upload("pub_stats.py", Broken, "broken")))
        {
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            output.WriteLine(problem.ToString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("pub_stats.py", problem.GetProperty("file").GetString());
            Assert.Equal(7, problem.GetProperty("line").GetInt32());
            Assert.Contains("pub_stats.py:7: ValueError", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("FeaturePlatform.", problem.ToString(), StringComparison.Ordinal);
        }

        // Hostile uploads: a zip whose module inflates past the upload limit (8 MiB from a few KiB) is a 413, a ".zip"
        // that is no zip a 400 naming the field; neither is read further nor stored.
        using (var bomb = await author.PostAsync($"/api/registry/jobs/{JobName}/versions", UploadBytes("pub_stats.zip", ZipOf("pub_stats.py", new string(' ', 8 << 20)), "bomb")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
            Assert.Contains("'file'", await bomb.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var notZip = await author.PostAsync($"/api/registry/jobs/{JobName}/versions", UploadBytes("pub_stats.zip", Encoding.UTF8.GetBytes("not a zip"), "junk")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notZip.StatusCode);
            Assert.Contains("not a valid zip", await notZip.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A good v2: validated, then refused approval until it is backtested, refused to its own author.
        var published = await ReadAsync(await author.PostAsync($"/api/registry/jobs/{JobName}/versions", Upload("pub_stats.py", Module(extra: 100), "count plus 100")),
            HttpStatusCode.Created);
        var v2 = published.GetProperty("version").GetString()!;
        Assert.NotEqual(v1, v2);
        Assert.Equal("Validated", published.GetProperty("state").GetString());
        Assert.Equal("demo-author", published.GetProperty("author").GetString());
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/registry/jobs/{JobName}/versions/{v2}/approve", new { reason = "looks fine" }), HttpStatusCode.Conflict);

        // Backtest: v2 replayed over the range and compared with what live (v1) produced.
        var backtest = await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/{JobName}/versions/{v2}/backtest", new { from = t0 - 1, to = t0 + 10_000 }),
            HttpStatusCode.OK);
        output.WriteLine(backtest.ToString());
        Assert.Equal(2, backtest.GetProperty("rowsChanged").GetInt64());
        Assert.Equal("Backtested", backtest.GetProperty("version").GetProperty("state").GetString());
        // Per feature, over every compared row (one difference is listed, both rows count): each side's distribution and the shift.
        var shifts = backtest.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("feature").GetString()!);
        Assert.Equal(["amount", "orders", "pair"], shifts.Keys.Order(StringComparer.Ordinal));
        var shift = shifts["orders"];
        Assert.Equal("numeric", shift.GetProperty("kind").GetString());
        Assert.Equal(2, shift.GetProperty("changed").GetInt64());
        var live = shift.GetProperty("live");
        var candidate = shift.GetProperty("candidate");
        Assert.Equal((2, 0), (live.GetProperty("count").GetInt64(), live.GetProperty("nulls").GetInt64()));
        Assert.Equal((1.5, 0.5), (live.GetProperty("mean").GetDouble(), live.GetProperty("stddev").GetDouble()));
        Assert.Equal((101.5, 0.5), (candidate.GetProperty("mean").GetDouble(), candidate.GetProperty("stddev").GetDouble()));
        Assert.Equal((1.0, 2.0), (live.GetProperty("quantiles").GetProperty("p50").GetDouble(), live.GetProperty("quantiles").GetProperty("p95").GetDouble()));
        Assert.Equal(101.0, candidate.GetProperty("quantiles").GetProperty("p50").GetDouble());
        Assert.Equal(1.0, shift.GetProperty("ks").GetDouble());
        Assert.True(shift.GetProperty("psi").GetDouble() > 0.25, shift.ToString());
        Assert.Equal((0, 0.0, 0.0), (shifts["amount"].GetProperty("changed").GetInt64(), shifts["amount"].GetProperty("ks").GetDouble(), shifts["amount"].GetProperty("psi").GetDouble()));
        Assert.Equal(("other", 0, 2), (shifts["pair"].GetProperty("kind").GetString(), shifts["pair"].GetProperty("changed").GetInt64(),
            shifts["pair"].GetProperty("candidate").GetProperty("count").GetInt64()));
        Assert.Single(backtest.GetProperty("parity").GetProperty("differences").EnumerateArray());
        var diff = backtest.GetProperty("parity").GetProperty("differences")[0];
        Assert.Equal(v1, diff.GetProperty("liveVersion").GetString());
        Assert.Equal(v2, diff.GetProperty("replayVersion").GetString());

        // Review by another user, then promotion: the live runner computes with v2 from its next batch.
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/registry/jobs/{JobName}/versions/{v2}/approve", new { reason = "diff as intended" }), HttpStatusCode.OK);
        var promoted = await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/{JobName}/promote", new { version = v2 }), HttpStatusCode.OK);
        Assert.Equal(v1, promoted.GetProperty("previous").GetString());
        await Poll.UntilAsync(() => Task.FromResult(job.Version == v2), TimeSpan.FromSeconds(30), () => "the process to run v2");
        await harness.ProduceAsync(("o3", "k2", t0 + 2000, 5));
        FeatureRecord? row = null;
        await Poll.UntilAsync(async () => (row = await features.GetAsync(JobName, "k2")) is not null, TimeSpan.FromSeconds(30), () => "k2's features");
        Assert.Equal(v2, row!.JobVersion);
        Assert.Equal(101, row.Values["orders"].GetInt64());

        // Rollback: v1 again, in one step.
        await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/{JobName}/rollback", new { version = v1 }), HttpStatusCode.OK);
        await Poll.UntilAsync(() => Task.FromResult(job.Version == v1), TimeSpan.FromSeconds(30), () => "the process to run v1 again");
        await harness.ProduceAsync(("o4", "k3", t0 + 3000, 5));
        await Poll.UntilAsync(async () => (row = await features.GetAsync(JobName, "k3")) is not null, TimeSpan.FromSeconds(30), () => "k3's features");
        Assert.Equal(v1, row!.JobVersion);
        Assert.Equal(1, row.Values["orders"].GetInt64());

        var states = (await GetJsonAsync(author, $"/api/registry/jobs/{JobName}/versions")).GetProperty("versions").EnumerateArray()
            .ToDictionary(v => v.GetProperty("version").GetString()!, v => v.GetProperty("state").GetString());
        Assert.Equal("Live", states[v1]);
        Assert.Equal("Retired", states[v2]);

        // Every step is audited.
        var audit = (await GetJsonAsync(admin, "/api/audit?limit=1000")).EnumerateArray().Select(r => (r.GetProperty("actor").GetString(), r.GetProperty("path").GetString(),
            r.GetProperty("status").GetInt32())).ToList();
        Assert.Contains(("demo-author", $"/api/registry/jobs/{JobName}/versions", 422), audit);
        Assert.Contains(("demo-author", $"/api/registry/jobs/{JobName}/versions", 201), audit);
        Assert.Contains(("demo-author", $"/api/registry/jobs/{JobName}/versions/{v2}/backtest", 200), audit);
        Assert.Contains(("demo-reviewer", $"/api/registry/jobs/{JobName}/versions/{v2}/approve", 200), audit);
        Assert.Contains(("demo-author", $"/api/registry/jobs/{JobName}/promote", 200), audit);
        Assert.Contains(("demo-author", $"/api/registry/jobs/{JobName}/rollback", 200), audit);
        // Promotions and rollbacks name the versions, not only the path.
        var switches = (await GetJsonAsync(admin, "/api/audit?limit=1000")).EnumerateArray().Where(r => r.GetProperty("status").GetInt32() == 200)
            .Select(r => r.TryGetProperty("detail", out var d) ? d.GetString() : null).ToList();
        Assert.Contains($"promote job {JobName} to version {v2} (replacing {v1})", switches);
        Assert.Contains($"rollback job {JobName} to version {v1} (replacing {v2})", switches);
    }

    [Fact]
    public async Task A_brand_new_job_starts_from_the_registry_alone_and_rolls_back()
    {
        // The jobs directory has pub_stats only; pub_fresh exists nowhere but in what the author uploads.
        await using var harness = await ParityHarness.StartAsync(kafka, "newjob", JobName, Module());
        var startup = harness.Services.GetRequiredService<RuntimeStartup>();
        var features = harness.Services.GetRequiredService<FeatureStore>();
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var reviewer = harness.Platform.CreateClient(PlatformFactory.Reviewer);
        static string Fresh(int factor) => $$"""
            from featureplatform import Output, Param, job

            @job("pub_fresh", triggers="par_a", outputs=[Output("pair", str), Output("scaled", int)],
                 params=[Param("factor", int, default={{factor}})])
            def pub_fresh(event, ctx):
                return {"pair": event.key, "scaled": int(event.data["amount"]) * ctx.params["factor"]}
            """;
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 30_000;
        await harness.ProduceAsync(("n1", "k1", t0, 10));
        Assert.Null(startup.Registry.Find("pub_fresh"));

        async Task<string> ApprovedAsync(int factor, long rowsChanged)
        {
            var published = await ReadAsync(await author.PostAsync("/api/registry/jobs/pub_fresh/versions", Upload("pub_fresh.py", Fresh(factor), $"factor {factor}")),
                HttpStatusCode.Created);
            var version = published.GetProperty("version").GetString()!;
            // Backtested against what live produced (at first nothing of it is live: every replayed row is new).
            var backtest = await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/pub_fresh/versions/{version}/backtest", new { from = t0 - 1, to = t0 + 10_000 }),
                HttpStatusCode.OK);
            Assert.Equal(rowsChanged, backtest.GetProperty("rowsChanged").GetInt64());
            await ReadAsync(await reviewer.PostAsJsonAsync($"/api/registry/jobs/pub_fresh/versions/{version}/approve", new { reason = "new job" }), HttpStatusCode.OK);
            return version;
        }

        var v1 = await ApprovedAsync(2, rowsChanged: 1);
        var promoted = await ReadAsync(await author.PostAsJsonAsync("/api/registry/jobs/pub_fresh/promote", new { version = v1 }), HttpStatusCode.OK);
        Assert.Equal("", promoted.GetProperty("previous").GetString());
        await Poll.UntilAsync(() => Task.FromResult(startup.Registry.Find("pub_fresh")?.Version == v1), TimeSpan.FromSeconds(30), () => "the process to start pub_fresh");

        // It runs live (its own consumer group, the default outputs, its declared parameter default) ...
        await harness.ProduceAsync(("n2", "k2", t0 + 1000, 7));
        FeatureRecord? row = null;
        await Poll.UntilAsync(async () => (row = await features.GetAsync("pub_fresh", "k2")) is not null, TimeSpan.FromSeconds(30), () => "pub_fresh's features for k2");
        Assert.Equal(v1, row!.JobVersion);
        Assert.Equal(14, row.Values["scaled"].GetInt64());

        // ... and answers calls.
        var call = await ReadAsync(await author.PostAsJsonAsync("/api/jobs/pub_fresh/requests?wait=30000", new { key = "k9", data = new { amount = 5 } }), HttpStatusCode.OK);
        output.WriteLine(call.ToString());
        Assert.Equal("done", call.GetProperty("state").GetString());
        Assert.Equal(v1, call.GetProperty("jobVersion").GetString());
        Assert.Equal(10, call.GetProperty("results")[0].GetProperty("scaled").GetInt64());

        // A second version, promoted, then rolled back: the same switch as for any job.
        var v2 = await ApprovedAsync(3, rowsChanged: 2); // n1 not computed live by v1 (it came before), n2 scaled 21 not 14
        await ReadAsync(await author.PostAsJsonAsync("/api/registry/jobs/pub_fresh/promote", new { version = v2 }), HttpStatusCode.OK);
        await Poll.UntilAsync(() => Task.FromResult(startup.Registry.Find("pub_fresh")!.Version == v2), TimeSpan.FromSeconds(30), () => "pub_fresh to run v2");
        await harness.ProduceAsync(("n3", "k3", t0 + 2000, 7));
        await Poll.UntilAsync(async () => (row = await features.GetAsync("pub_fresh", "k3")) is not null, TimeSpan.FromSeconds(30), () => "pub_fresh's features for k3");
        Assert.Equal(v2, row!.JobVersion);
        Assert.Equal(21, row.Values["scaled"].GetInt64());
        await ReadAsync(await author.PostAsJsonAsync("/api/registry/jobs/pub_fresh/rollback", new { version = v1 }), HttpStatusCode.OK);
        await Poll.UntilAsync(() => Task.FromResult(startup.Registry.Find("pub_fresh")!.Version == v1), TimeSpan.FromSeconds(30), () => "pub_fresh to run v1 again");
        await harness.ProduceAsync(("n4", "k4", t0 + 3000, 7));
        await Poll.UntilAsync(async () => (row = await features.GetAsync("pub_fresh", "k4")) is not null, TimeSpan.FromSeconds(30), () => "pub_fresh's features for k4");
        Assert.Equal(v1, row!.JobVersion);
        Assert.Equal(14, row.Values["scaled"].GetInt64());
    }

    [Fact]
    public async Task A_helper_change_makes_new_job_versions_only_when_the_jobs_are_republished()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "helpers", JobName, Module());
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var admin = harness.Platform.CreateClient(PlatformFactory.Admin);
        const string job = """
            from featureplatform import Output, job
            from _pricing import bonus

            @job("pub_stats", triggers="par_a", outputs=[Output("pair", str), Output("bonus", int)])
            def pub_stats(event, ctx):
                return {"pair": event.key, "bonus": bonus()}
            """;
        await ReadAsync(await admin.PostAsync("/api/registry/helpers", Upload("_pricing.py", "def bonus():\n    return 1\n", "bonus 1")), HttpStatusCode.OK);
        var first = await ReadAsync(await author.PostAsync($"/api/registry/jobs/{JobName}/versions", Upload("pub_stats.py", job, "uses the helper")), HttpStatusCode.Created);
        var a1 = first.GetProperty("version").GetString()!;
        Assert.Equal(["<job>", "_pricing"], first.GetProperty("modules").EnumerateArray().Select(m => m.GetString()));

        // The helper changes: the job's versions stay as they were, each pinning the helper it was published with.
        await ReadAsync(await admin.PostAsync("/api/registry/helpers", Upload("_pricing.py", "def bonus():\n    return 2\n", "bonus 2")), HttpStatusCode.OK);
        var listed = (await GetJsonAsync(author, $"/api/registry/jobs/{JobName}/versions")).GetProperty("versions").EnumerateArray()
            .Select(v => v.GetProperty("version").GetString()).ToList();
        Assert.Contains(a1, listed);
        Assert.Equal(2, listed.Count); // the directory's version and a1
        var pinned = await GetJsonAsync(author, $"/api/registry/jobs/{JobName}/versions/{a1}");
        Assert.Contains("return 1", pinned.GetProperty("modules").GetProperty("_pricing").GetString(), StringComparison.Ordinal);

        // Republishing the same job module makes a new version with the new helper.
        var second = await ReadAsync(await author.PostAsync($"/api/registry/jobs/{JobName}/versions", Upload("pub_stats.py", job, "same module, new helper")), HttpStatusCode.Created);
        var a2 = second.GetProperty("version").GetString()!;
        Assert.NotEqual(a1, a2);
        var repinned = await GetJsonAsync(author, $"/api/registry/jobs/{JobName}/versions/{a2}");
        Assert.Contains("return 2", repinned.GetProperty("modules").GetProperty("_pricing").GetString(), StringComparison.Ordinal);
        Assert.Equal(job.ReplaceLineEndings("\n"), repinned.GetProperty("modules").GetProperty("<job>").GetString()!.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task The_publish_and_versions_commands_go_through_the_api()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "publishcli", JobName, Module());
        var handler = harness.Platform.Server.CreateHandler();
        var directory = Directory.CreateTempSubdirectory("publish-cli").FullName;
        var broken = Path.Combine(directory, "pub_stats.py");
        await File.WriteAllTextAsync(broken, Broken);
        string[] common = ["--job", JobName, "--url", "http://localhost", "--key", PlatformFactory.Author];

        var (code, stdout, stderr) = await CliAsync(handler, ["publish", "--file", broken, "-m", "broken", .. common]);
        Assert.Equal(1, code);
        Assert.Contains("pub_stats.py:7: ValueError", stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(broken, Module(extra: 5));
        (code, stdout, stderr) = await CliAsync(handler, ["publish", "--file", broken, "-m", "count plus 5", .. common]);
        Assert.True(code == 0, stderr);
        var version = stdout.Split(' ')[0];
        Assert.EndsWith("Validated", stdout.Trim(), StringComparison.Ordinal);

        (code, stdout, stderr) = await CliAsync(handler, ["versions", .. common]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{version}  Validated", stdout, StringComparison.Ordinal);
        Assert.Contains("count plus 5", stdout, StringComparison.Ordinal);

        // Promotion before review is refused with the reason.
        (code, _, stderr) = await CliAsync(handler, ["promote", "--version", version, .. common]);
        Assert.Equal(1, code);
        Assert.Contains("only an approved version (or one that was live before: retired) can be promoted", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(HttpMessageHandler handler, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await FeaturePlatform.FeatureApi.Publishing.PublishCommands.RunAsync(args, stdout, stderr, handler);
        return (code, stdout.ToString(), stderr.ToString());
    }

    internal static MultipartFormDataContent Upload(string fileName, string source, string message) => UploadBytes(fileName, Encoding.UTF8.GetBytes(source), message);

    internal static MultipartFormDataContent UploadBytes(string fileName, byte[] content, string message)
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), "file", fileName);
        form.Add(new StringContent(message), "message");
        return form;
    }

    private static byte[] ZipOf(string entryName, string text)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry(entryName, System.IO.Compression.CompressionLevel.Optimal).Open());
            writer.Write(text);
        }
        return buffer.ToArray();
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    internal static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} (expected {(int)expected}): {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
