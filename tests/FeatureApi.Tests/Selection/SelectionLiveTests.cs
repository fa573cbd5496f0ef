using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Selection;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Selection;

/// <summary>
/// Selection end to end on the embedded default: an order posted to the bus is ingested, runs the live job
/// order_stats_30d (worker process) and is written to the feature store; it is selectable by its features within
/// <see cref="Bound"/> of the post, and — the copy being updated in the same call that writes the store — no later than
/// a look-up sees it. Then the API's 400s, an export run, a saved selection and the CLI.
/// </summary>
public sealed class SelectionLiveTests(ITestOutputHelper output)
{
    /// <summary>From posting an order to its features being selectable (the look-up's own lag bound in HostileJobsTests).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private const string Job = "order_stats_30d";

    [Fact]
    public async Task A_feature_written_live_is_selectable_within_the_bound_and_no_later_than_a_look_up()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            await using var platform = new QuarantinePlatform(data, jobs);
            await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromMinutes(2));
            using var author = platform.CreateClient(PlatformFactory.Author);
            using var reader = platform.CreateClient(PlatformFactory.Reader);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var big = $"big-{Guid.NewGuid():N}";
            var small = $"small-{Guid.NewGuid():N}";
            var predicate = $$"""{"and":[{"column":"user_id","op":"in","values":["{{big}}","{{small}}"]},{"column":"order_amount","op":">=","value":100}]}""";

            // Warm-up (worker processes start, the profile source's watermark passes): the first orders' features.
            await PostAsync(author, [Order("o1-" + big, big, now - 2_000, 150), Order("o1-" + small, small, now - 2_000, 20)]);
            await LookedUpAsync(reader, big, "o1-" + big, TimeSpan.FromMinutes(2));
            var page = await SelectAsync(reader, predicate);
            Assert.Equal(1, page.GetProperty("count").GetInt64());
            Assert.Equal(big, page.GetProperty("keys")[0].GetProperty("key").GetString());
            Assert.Equal("memory", page.GetProperty("engine").GetString());

            // A second order: the moment a look-up sees it, one selection (no polling) sees it too, within the bound of the post.
            var posted = Stopwatch.StartNew();
            await PostAsync(author, [Order("o2-" + small, small, now - 1_000, 200)]);
            await LookedUpAsync(reader, small, "o2-" + small, Bound);
            var after = await SelectAsync(reader, predicate);
            output.WriteLine($"selectable {posted.ElapsedMilliseconds} ms after the post (bound {Bound.TotalSeconds} s)");
            Assert.True(posted.Elapsed < Bound, $"selectable after {posted.Elapsed}");
            Assert.Equal(2, after.GetProperty("count").GetInt64());
            Assert.Equal([big, small], after.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key").GetString()).Order(StringComparer.Ordinal));

            // Wrong column, type, operator: 400 naming the field and the fix.
            var unknown = await AssertProblemAsync(await reader.PostAsync($"/api/features/{Job}:select", Json("""{"predicate":{"column":"order_amout","op":">","value":1}}""")),
                HttpStatusCode.BadRequest, "order_amount");
            Assert.Equal("predicate.column", unknown.GetProperty("field").GetString());
            var type = await AssertProblemAsync(await reader.PostAsync($"/api/features/{Job}:select", Json("""{"predicate":{"and":[{"column":"order_amount","op":">","value":"100"}]}}""")),
                HttpStatusCode.BadRequest, "holds numbers");
            Assert.Equal("predicate.and[0].value", type.GetProperty("field").GetString());
            var op = await AssertProblemAsync(await reader.PostAsync($"/api/features/{Job}:select", Json("""{"predicate":{"column":"order_amount","op":"like","value":1}}""")),
                HttpStatusCode.BadRequest, "is_not_null");
            Assert.Equal("predicate.op", op.GetProperty("field").GetString());

            // An export run: 202, progress, the file.
            var run = await ReadJsonAsync(await reader.PostAsync($"/api/features/{Job}:select",
                Json($$"""{"predicate":{{predicate}},"columns":["order_amount","user_tier"],"export":"csv"}""")), HttpStatusCode.Accepted);
            var id = run.GetProperty("id").GetString();
            JsonElement status = default;
            await Poll.UntilAsync(async () => (status = await ReadJsonAsync(await reader.GetAsync($"/api/selections/runs/{id}"))).GetProperty("state").GetString() == "Succeeded",
                TimeSpan.FromSeconds(30), () => $"export {id}: {status}");
            Assert.Equal(2, status.GetProperty("written").GetInt64());
            var csv = await reader.GetStringAsync($"/api/selections/runs/{id}/file");
            Assert.StartsWith("key,updated,order_amount,user_tier", csv, StringComparison.Ordinal);
            Assert.Contains($"{big},", csv, StringComparison.Ordinal);

            // Saved by name (author) and re-run (reader).
            await ReadJsonAsync(await author.PutAsync("/api/selections/big-spenders", Json($$"""{"job":"{{Job}}","predicate":{{predicate}},"columns":["order_amount"]}""")));
            var rerun = await ReadJsonAsync(await reader.PostAsync("/api/selections/big-spenders:run", Json("")));
            Assert.Equal(2, rerun.GetProperty("count").GetInt64());
            Assert.Equal(150, rerun.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key").GetString() == big).GetProperty("values").GetProperty("order_amount").GetDouble());

            // The CLI, a client of the same API.
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await SelectCommand.RunAsync(["--job", Job, "--where", predicate, "--columns", "order_amount", "--url", platform.Server.BaseAddress.ToString(),
                "--key", PlatformFactory.Reader], stdout, stderr, platform.Server.CreateHandler());
            Assert.True(code == 0, stderr.ToString());
            Assert.Contains("2 entities of job order_stats_30d match", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains($"{big}\t150", stdout.ToString(), StringComparison.Ordinal);
            var bad = await SelectCommand.RunAsync(["--job", Job, "--where", """{"column":"nope","op":"is_null"}""", "--url", platform.Server.BaseAddress.ToString(),
                "--key", PlatformFactory.Reader], stdout, stderr, platform.Server.CreateHandler());
            Assert.Equal(1, bad);
            Assert.Contains("predicate.column: Job 'order_stats_30d' has no feature column 'nope'", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static async Task LookedUpAsync(HttpClient reader, string key, string eventId, TimeSpan deadline)
    {
        var seen = "";
        await Poll.UntilAsync(async () =>
        {
            using var response = await reader.GetAsync($"/api/features/{Job}/{key}");
            seen = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return response.StatusCode == HttpStatusCode.OK
                && JsonDocument.Parse(seen[4..]).RootElement.GetProperty("eventId").GetString() == eventId;
        }, deadline, () => $"the look-up of {key} to see {eventId}: {seen}");
    }

    private static async Task<JsonElement> SelectAsync(HttpClient client, string predicate) =>
        await ReadJsonAsync(await client.PostAsync($"/api/features/{Job}:select", Json($$"""{"predicate":{{predicate}},"columns":["order_amount"]}""")));

    private static string Order(string id, string user, long time, int amount) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["order_id"] = id, ["user_id"] = user, ["created_at"] = time, ["amount"] = amount });

    private static async Task PostAsync(HttpClient client, IEnumerable<string> messages)
    {
        using var response = await client.PostAsync("/api/sources/orders/messages", Json($"[{string.Join(",", messages)}]"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
