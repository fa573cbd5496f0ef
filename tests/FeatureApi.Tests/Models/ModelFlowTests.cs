using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Models;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Models;

/// <summary>
/// The model author's flow through HTTP on the production host (Kafka mock, job logic in worker processes): two
/// scikit-learn models trained in the test are uploaded, a version is proposed and approved for a job, the next live
/// outputs (bus → ingestion → live trigger → run loop → feature store) use it — the version on the row, the prediction
/// right —, the other version likewise, a backtest pins the older version, and the binding switches back. A tampered
/// artifact is refused by its checksum and the event quarantined, never computed with other bytes.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class ModelFlowTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string JobName = "mdl_score";

    private const string Module = """
        from featureplatform import Consistency, Output, job

        @job("mdl_score", triggers="par_a", consistency=Consistency.EVENTUAL, models=["churn"],
             outputs=[Output("pair", str), Output("score", float)])
        def mdl_score(event, ctx):
            model = ctx.model("churn")
            return {"pair": event.key, "score": float(model.predict([[float(event["amount"])]])[0])}
        """;

    [Fact]
    public async Task Upload_approve_use_live_backtest_a_pinned_older_version_and_switch_back()
    {
        var (v1Bytes, v2Bytes) = await TrainAsync(); // v1: 2x + 1, v2: 3x
        // The first load of a version imports scikit-learn inside the event's time limit: seconds on a busy test machine.
        await using var harness = await ParityHarness.StartAsync(kafka, "models", JobName, Module, extra: new Dictionary<string, string> { ["Runtime:Python:CallTimeout"] = "00:00:30" }, realParameters: true);
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var operatorClient = harness.Platform.CreateClient(PlatformFactory.Operator);
        using var reviewer = harness.Platform.CreateClient(PlatformFactory.Reviewer);

        var v1 = await UploadAsync(author, v1Bytes, "y = 2x + 1", HttpStatusCode.Created);
        var v2 = await UploadAsync(author, v2Bytes, "y = 3x", HttpStatusCode.Created);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(v1Bytes)), v1);
        Assert.Equal(v1, await UploadAsync(author, v1Bytes, "the same bytes again", HttpStatusCode.OK)); // content-addressed: no new version
        var versions = await ReadAsync(await author.GetAsync("/api/models/churn/versions"), HttpStatusCode.OK);
        Assert.Equal([v2, v1], versions.EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Equal("demo-author", versions[0].GetProperty("author").GetString());
        Assert.Equal(0.99, versions[0].GetProperty("metrics").GetProperty("r2").GetDouble());

        // Choose v1 through the parameter review; the next live event uses it.
        await BindAsync(harness, operatorClient, reviewer, v1);
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await harness.ProduceAsync(("o1", "k1", t, 10));
        await AssertRowAsync(author, "k1", v1, 21.0);

        // v2, approved the same way: the next live event uses it, without a restart.
        await BindAsync(harness, operatorClient, reviewer, v2);
        var t2 = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), t + 1);
        await harness.ProduceAsync(("o2", "k2", t2, 10));
        await AssertRowAsync(author, "k2", v2, 30.0);

        // A backtest uses the version in force at each event's time (as live did); pinned to v1, both events use v1.
        var inForce = await BacktestAsync(author, new { job = JobName, from = t, to = t2 + 1 });
        Assert.Equal([(v1, 21.0), (v2, 30.0)], inForce);
        var pinned = await BacktestAsync(author, new { job = JobName, from = t, to = t2 + 1, models = new Dictionary<string, string> { ["churn"] = v1 } });
        Assert.Equal([(v1, 21.0), (v1, 21.0)], pinned);
        using (var unknown = await author.PostAsJsonAsync("/api/backtests", new { job = JobName, from = t, to = t2 + 1, models = new Dictionary<string, string> { ["churn"] = new string('0', 64) } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("models.churn", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Switch back to v1.
        await BindAsync(harness, operatorClient, reviewer, v1);
        var t3 = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), t2 + 1);
        await harness.ProduceAsync(("o3", "k3", t3, 10));
        await AssertRowAsync(author, "k3", v1, 21.0);
    }

    [Fact]
    public async Task A_tampered_artifact_fails_its_checksum_and_the_event_is_quarantined_not_computed()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "modeltamper", JobName, Module.Replace("float(model.predict([[float(event[\"amount\"])]])[0])",
            "model.score([float(event[\"amount\"])])", StringComparison.Ordinal), extra: new Dictionary<string, string> { ["Runtime:Quarantine:MaxAttempts"] = "2" }, realParameters: true);
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var operatorClient = harness.Platform.CreateClient(PlatformFactory.Operator);
        using var reviewer = harness.Platform.CreateClient(PlatformFactory.Reviewer);
        var bytes = """{"features": ["amount"], "weights": [2.0], "bias": 1.0}"""u8.ToArray();
        var version = await UploadAsync(author, bytes, "linear", HttpStatusCode.Created, "linear-json");
        var registry = harness.Services.GetRequiredService<ModelRegistry>();
        await File.WriteAllBytesAsync(registry.ArtifactPath("churn", version, "linear-json"), """{"features": ["amount"], "weights": [9.0], "bias": 1.0}"""u8.ToArray());

        await BindAsync(harness, operatorClient, reviewer, version);
        await harness.ProduceAsync(("o1", "k1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 10));

        using var admin = harness.Platform.CreateClient(PlatformFactory.Admin);
        JsonElement page = default;
        await Poll.UntilAsync(async () =>
        {
            page = await ReadAsync(await admin.GetAsync($"/api/jobs/{JobName}/quarantine"), HttpStatusCode.OK);
            return page.ToString().Contains("ModelIntegrityError", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), () => $"the event in quarantine with ModelIntegrityError: {page}");
        output.WriteLine(page.ToString());
        Assert.Contains(version, page.ToString(), StringComparison.Ordinal);
        using var missing = await author.GetAsync($"/api/features/{JobName}/k1");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Proposes model.churn = <paramref name="version"/> (operator), approves it (reviewer), waits until this process's job runs with it.</summary>
    private static async Task BindAsync(ParityHarness harness, HttpClient proposer, HttpClient reviewer, string version)
    {
        var proposal = await ReadAsync(await proposer.PostAsJsonAsync($"/api/jobs/{JobName}/parameters/proposals",
            new { values = new Dictionary<string, string> { ["model.churn"] = version }, reason = $"use churn {version[..8]}" }), HttpStatusCode.Created);
        var id = proposal.GetProperty("id").GetString();
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/jobs/{JobName}/parameters/proposals/{id}/approve", new { reason = "metrics fine" }), HttpStatusCode.OK);
        var job = harness.Services.GetRequiredService<RuntimeStartup>().Registry.Find(JobName)!;
        await Poll.UntilAsync(() => Task.FromResult(job.Loaded.Parameters.GetValueOrDefault("model.churn") as string == version), TimeSpan.FromSeconds(30),
            () => $"model.churn = {version} applied");
    }

    private static async Task AssertRowAsync(HttpClient client, string key, string version, double score)
    {
        JsonElement row = default;
        await Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/features/{JobName}/{key}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }
            row = await response.Content.ReadFromJsonAsync<JsonElement>();
            return true;
        }, TimeSpan.FromSeconds(30), () => $"{key}'s features");
        Assert.Equal(version, row.GetProperty("models").GetProperty("churn").GetString());
        Assert.Equal(score, row.GetProperty("values").GetProperty("score").GetDouble(), 6);
    }

    private static async Task<List<(string Version, double Score)>> BacktestAsync(HttpClient client, object request)
    {
        var run = await ReadAsync(await client.PostAsJsonAsync("/api/backtests", request), HttpStatusCode.Accepted);
        var id = run.GetProperty("id").GetString();
        JsonElement status = default;
        await Poll.UntilAsync(async () =>
        {
            status = await client.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}");
            return status.GetProperty("isFinished").GetBoolean();
        }, TimeSpan.FromSeconds(60), () => $"backtest {id}: {status}");
        Assert.True(status.GetProperty("state").GetString() == "Completed", status.ToString());
        var results = await client.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}/results");
        return [.. results.GetProperty("rows").EnumerateArray().OrderBy(r => r.GetProperty("eventTime").GetInt64())
            .Select(r => (r.GetProperty("models").GetProperty("churn").GetString()!, Math.Round(r.GetProperty("values").GetProperty("score").GetDouble(), 6)))];
    }

    private static async Task<string> UploadAsync(HttpClient author, byte[] artifact, string description, HttpStatusCode expected, string framework = "sklearn")
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(artifact), "file", "model.bin" },
            { new StringContent(framework), "framework" },
            { new StringContent("2026-01-01"), "trainedFrom" },
            { new StringContent("2026-02-01T00:00:00Z"), "trainedTo" },
            { new StringContent("""{"r2": 0.99}"""), "metrics" },
            { new StringContent(description), "description" },
        };
        var stored = await ReadAsync(await author.PostAsync("/api/models/churn/versions", form), expected);
        Assert.Equal(framework, stored.GetProperty("framework").GetString());
        return stored.GetProperty("version").GetString()!;
    }

    /// <summary>Trains two linear regressions with Debian's scikit-learn in a python3 subprocess and returns their joblib bytes.</summary>
    private static async Task<(byte[] V1, byte[] V2)> TrainAsync()
    {
        var dir = Directory.CreateTempSubdirectory("fp-models-").FullName;
        const string Script = """
            import sys, joblib
            from sklearn.linear_model import LinearRegression
            x = [[0.0], [1.0], [2.0], [3.0]]
            joblib.dump(LinearRegression().fit(x, [2 * v[0] + 1 for v in x]), sys.argv[1] + "/v1.joblib")
            joblib.dump(LinearRegression().fit(x, [3 * v[0] for v in x]), sys.argv[1] + "/v2.joblib")
            """;
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", Script, dir]) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"training failed (is python3-sklearn installed? scripts/install-deps.sh): {error}");
        return (await File.ReadAllBytesAsync(Path.Combine(dir, "v1.joblib")), await File.ReadAllBytesAsync(Path.Combine(dir, "v2.joblib")));
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} (expected {(int)expected}): {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
