using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>
/// Backtests survive a restart of the platform (the production host, embedded default, a second host on the same data
/// directory): a finished run, its result page and CSV are readable and it is listed; a run an earlier host left
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
            await using (var platform = new QuarantinePlatform(data, jobs))
            {
                await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var author = platform.CreateClient(PlatformFactory.Author);
                var orders = new[] { 10.0, 20.0, 30.0 }.Select((a, i) => new { order_id = $"{user}-{i}", user_id = user, created_at = t0 + i * Day, amount = a });
                using (var posted = await author.PostAsync("/api/sources/orders/messages", Json(JsonSerializer.Serialize(orders))))
                {
                    Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
                }
                await PollAsync(async () =>
                {
                    using var history = await author.GetAsync($"/api/events/orders/{user}/history");
                    return history.IsSuccessStatusCode && (await ReadJsonAsync(history)).GetArrayLength() == 3;
                }, "orders stored");
                var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests",
                    Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + 3 * Day}}}""")), HttpStatusCode.Accepted);
                id = launched.GetProperty("id").GetString()!;
                await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"))).GetProperty("isFinished").GetBoolean(), "the backtest finished");
                before = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"));
                Assert.Equal("Completed", before.GetProperty("state").GetString());
                csvBefore = await (await author.GetAsync($"/api/backtests/{id}/results.csv")).Content.ReadAsStringAsync();
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
            }
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
