using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>
/// Backtests survive a restart of the platform (the production host, embedded default, a second host on the same data
/// directory): a finished run, its lineage (job version, parameter values, model versions, range, who started it), its
/// result page and CSV are readable and it is listed — and so are a backfill and a selection export run with theirs; a
/// run an earlier host left
/// unfinished reads as failed with the reason instead of running forever.
/// </summary>
public sealed class BacktestRestartTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private const long Day = 86_400_000;

    [Fact]
    public async Task A_finished_backtest_its_results_and_csv_are_there_after_a_restart_and_an_interrupted_one_reads_as_failed()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            var user = $"u-{Guid.NewGuid():N}";
            const long t0 = 1_000_000_000_000L;
            string id;
            JsonElement before;
            string csvBefore;
            string backfillId;
            string exportId;
            JsonElement backfillBefore;
            await using (var platform = new QuarantinePlatform(data, jobs))
            {
                await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var author = platform.CreateClient(PlatformFactory.Author);
                await PostOrdersAsync(author, [user], t0, [10.0, 20.0, 30.0], Deadline);
                var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests",
                    Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + 3 * Day}}}""")), HttpStatusCode.Accepted);
                id = launched.GetProperty("id").GetString()!;
                await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"))).GetProperty("isFinished").GetBoolean(), "the backtest finished");
                before = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"));
                Assert.Equal("Completed", before.GetProperty("state").GetString());
                csvBefore = await (await author.GetAsync($"/api/backtests/{id}/results.csv")).Content.ReadAsStringAsync();

                // A backfill of the same range (ISO-8601 from, ms to), started by an operator.
                using var operatorClient = platform.CreateClient(PlatformFactory.Operator);
                var backfill = await ReadJsonAsync(await operatorClient.PostAsync("/api/backfills", Json(
                    $$"""{"job":"order_stats_30d","from":"{{DateTimeOffset.FromUnixTimeMilliseconds(t0):O}}","to":{{t0 + 3 * Day}},"label":"before restart"}""")), HttpStatusCode.Accepted);
                backfillId = backfill.GetProperty("id").GetString()!;
                await PollAsync(async () => (await ReadJsonAsync(await operatorClient.GetAsync($"/api/backfills/{backfillId}"))).GetProperty("run").GetProperty("isFinished").GetBoolean(),
                    "the backfill finished");
                backfillBefore = await ReadJsonAsync(await operatorClient.GetAsync($"/api/backfills/{backfillId}"));
                Assert.Equal("Completed", backfillBefore.GetProperty("run").GetProperty("state").GetString());

                // A selection export run of the job's features (every entity), started by the author.
                await PollAsync(async () => (await author.GetAsync($"/api/features/order_stats_30d/{user}")).IsSuccessStatusCode, "the live job computed the orders");
                var export = await ReadJsonAsync(await author.PostAsync("/api/features/order_stats_30d:select",
                    Json("""{"export":"csv","columns":["order_amount"],"predicate":{"column":"order_amount","op":">=","value":0}}""")), HttpStatusCode.Accepted);
                exportId = export.GetProperty("id").GetString()!;
                await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync($"/api/selections/runs/{exportId}"))).GetProperty("state").GetString() == "Succeeded",
                    "the export finished");
            }

            // A run the host was still running when it stopped (a crash: its summary says Running).
            var runDirectory = Directory.GetDirectories(data, id, SearchOption.AllDirectories).Single();
            var interrupted = id[..^8] + "deadbeef";
            var summary = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDirectory, "run.json")))!;
            summary["id"] = interrupted;
            summary["state"] = "Running";
            summary["endedAt"] = null;
            var interruptedDirectory = Path.Combine(Path.GetDirectoryName(runDirectory)!, interrupted);
            Directory.CreateDirectory(interruptedDirectory);
            await File.WriteAllTextAsync(Path.Combine(interruptedDirectory, "run.json"), summary.ToJsonString());

            await using (var restarted = new QuarantinePlatform(data, jobs))
            {
                await restarted.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var reader = restarted.CreateClient(PlatformFactory.Reader);
                var after = await ReadJsonAsync(await reader.GetAsync($"/api/backtests/{id}"));
                Assert.Equal(("Completed", before.GetProperty("jobVersion").GetString(), 3L),
                    (after.GetProperty("state").GetString(), after.GetProperty("jobVersion").GetString(), after.GetProperty("progress").GetProperty("results").GetInt64()));
                Assert.Equal(before.GetProperty("parameters").GetRawText(), after.GetProperty("parameters").GetRawText());
                // Its lineage: the range (structured, ms and UTC) and who started it.
                Assert.Equal((t0, t0 + 3 * Day, PlatformFactory.Author), (after.GetProperty("from").GetInt64(), after.GetProperty("to").GetInt64(),
                    after.GetProperty("requestedBy").GetString()));
                Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(t0), after.GetProperty("fromUtc").GetDateTimeOffset());
                Assert.Equal(before.GetProperty("models").GetRawText(), after.GetProperty("models").GetRawText());
                var page = await ReadJsonAsync(await reader.GetAsync($"/api/backtests/{id}/results?limit=10"));
                Assert.Equal(3, page.GetProperty("total").GetInt64());
                Assert.All(page.GetProperty("rows").EnumerateArray(), r => Assert.Equal(user, r.GetProperty("key").GetString()));
                Assert.Equal(csvBefore, await (await reader.GetAsync($"/api/backtests/{id}/results.csv")).Content.ReadAsStringAsync());

                var list = await ReadJsonAsync(await reader.GetAsync("/api/backtests"));
                var ids = list.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
                Assert.Contains(id, ids);
                Assert.Contains(interrupted, ids);
                var lost = await ReadJsonAsync(await reader.GetAsync($"/api/backtests/{interrupted}"));
                Assert.Equal("Failed", lost.GetProperty("state").GetString());
                Assert.True(lost.GetProperty("isFinished").GetBoolean());
                Assert.Contains("host stopped", lost.GetProperty("failureReason").GetString(), StringComparison.Ordinal);
                await AssertProblemAsync(await reader.GetAsync("/api/backtests/run-..-..-etc"), HttpStatusCode.NotFound, "no backtest");

                // The backfill is listed with its lineage: range, who, job version, parameter values, model versions.
                var backfills = await ReadJsonAsync(await reader.GetAsync("/api/backfills"));
                Assert.Contains(backfillId, backfills.EnumerateArray().Select(b => b.GetProperty("id").GetString()));
                var backfillAfter = await ReadJsonAsync(await reader.GetAsync($"/api/backfills/{backfillId}"));
                var run = backfillAfter.GetProperty("run");
                Assert.Equal((t0, t0 + 3 * Day, PlatformFactory.Operator, PlatformFactory.Operator), (run.GetProperty("from").GetInt64(), run.GetProperty("to").GetInt64(),
                    run.GetProperty("requestedBy").GetString(), backfillAfter.GetProperty("backfill").GetProperty("requestedBy").GetString()));
                foreach (var field in new[] { "state", "jobVersion", "versions", "parameters", "models", "label" })
                {
                    Assert.Equal(backfillBefore.GetProperty("run").GetProperty(field).GetRawText(), run.GetProperty(field).GetRawText());
                }
                Assert.Equal(backfillBefore.GetProperty("backfill").GetRawText(), backfillAfter.GetProperty("backfill").GetRawText());

                // The export run is listed with who started it, and its file is still served.
                var exports = await ReadJsonAsync(await reader.GetAsync("/api/selections/runs"));
                var listedExport = exports.EnumerateArray().Single(r => r.GetProperty("id").GetString() == exportId);
                Assert.Equal(("Succeeded", PlatformFactory.Author, "order_stats_30d"), (listedExport.GetProperty("state").GetString(),
                    listedExport.GetProperty("requestedBy").GetString(), listedExport.GetProperty("job").GetString()));
                // …with what it selected and the job's version and parameter values when it ran.
                var predicate = listedExport.GetProperty("predicate");
                Assert.Equal(("order_amount", ">=", 0), (predicate.GetProperty("column").GetString(), predicate.GetProperty("op").GetString(), predicate.GetProperty("value").GetInt32()));
                Assert.Equal(before.GetProperty("jobVersion").GetString(), listedExport.GetProperty("jobVersion").GetString());
                Assert.Equal(JsonValueKind.Object, listedExport.GetProperty("parameters").ValueKind);
                Assert.Contains(user, await (await reader.GetAsync($"/api/selections/runs/{exportId}/file")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Deadline);
}
