using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Quarantine;

/// <summary>
/// A bad event never holds a job back, end to end on the embedded default (bus → ingestion → live trigger → run loop →
/// outputs): it is retried, quarantined with its error and input, the job goes on; the quarantine survives a restart, a
/// retry after the fix writes its results; readiness is Degraded while a job quarantines and Healthy again by itself.
/// </summary>
public sealed class QuarantineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_raising_event_is_quarantined_after_its_retries_the_job_goes_on_and_a_retry_after_the_fix_succeeds_after_a_restart()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            var user = $"u-{Guid.NewGuid():N}";
            var victim = $"p-{Guid.NewGuid():N}";
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            string id;
            await using (var platform = new QuarantinePlatform(data, jobs))
            {
                await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var author = platform.CreateClient(PlatformFactory.Author);
                using var admin = platform.CreateClient(PlatformFactory.Admin);
                using var reader = platform.CreateClient(PlatformFactory.Reader);
                await PostAsync(author, "orders", [Order($"a-{user}", user, now - 3000, 10), Order($"x-{victim}", victim, now - 2000, 5, poison: true), Order($"c-{user}", user, now - 1000, 20)]);

                // The job goes on: the order after the poison one produces features.
                var features = platform.Services.GetRequiredService<FeatureStore>();
                await PollAsync(async () => await features.GetAsync("fragile", user) is { EventId: var e } && e == $"c-{user}", "features of the order after the poison one");
                var list = default(JsonElement);
                await PollAsync(async () => (list = await ReadJsonAsync(await reader.GetAsync("/api/jobs/fragile/quarantine"))).GetProperty("count").GetInt32() == 1,
                    "the poison order in quarantine");
                var entry = Assert.Single(list.GetProperty("entries").EnumerateArray());
                Assert.Equal($"x-{victim}", entry.GetProperty("eventId").GetString());
                Assert.Equal(("orders", victim, now - 2000), (entry.GetProperty("source").GetString(), entry.GetProperty("key").GetString(), entry.GetProperty("eventTime").GetInt64()));
                Assert.Equal(3, entry.GetProperty("attempts").GetInt32());
                Assert.Equal(("live", "ValueError"), (entry.GetProperty("mode").GetString(), entry.GetProperty("errorType").GetString()));
                Assert.Contains($"poison order x-{victim}", entry.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Contains("raise ValueError", entry.GetProperty("traceback").GetString(), StringComparison.Ordinal);
                Assert.True(entry.GetProperty("event").GetProperty("after").GetProperty("poison").GetBoolean());
                Assert.Null(await features.GetAsync("fragile", victim));
                var job = await ReadJsonAsync(await reader.GetAsync("/api/jobs/fragile"));
                Assert.Equal(1, job.GetProperty("status").GetProperty("quarantined").GetInt32());

                // Readiness: Degraded with the job named, then Healthy again once the window passed.
                var ready = await ReadJsonAsync(await reader.GetAsync("/health/ready"));
                var runtime = ready.GetProperty("checks").GetProperty("runtime");
                Assert.Equal("Degraded", runtime.GetProperty("status").GetString());
                Assert.Contains("quarantined", runtime.GetProperty("jobs").GetProperty("fragile").GetProperty("reason").GetString(), StringComparison.Ordinal);
                await PollAsync(async () => (await ReadJsonAsync(await reader.GetAsync("/health/ready"))).GetProperty("checks").GetProperty("runtime")
                    .GetProperty("status").GetString() == "Healthy", "readiness Healthy again");

                // A retry of the unfixed job fails again: the entry stays with the added attempts. Readers may not retry.
                id = entry.GetProperty("id").GetString()!;
                Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/jobs/fragile/quarantine/{id}/retry", null)).StatusCode);
                var failed = await ReadJsonAsync(await admin.PostAsync($"/api/jobs/fragile/quarantine/{id}/retry", null));
                Assert.False(failed.GetProperty("succeeded").GetBoolean());
                Assert.Equal(6, failed.GetProperty("entry").GetProperty("attempts").GetInt32());
                await AssertProblemAsync(await admin.PostAsync("/api/jobs/fragile/quarantine/bm9wZQBub3Bl/retry", null), HttpStatusCode.NotFound, "GET /api/jobs/fragile/quarantine");
            }

            // A restart of the platform comes up with the entry (and never runs the committed poison order again).
            await using (var restarted = new QuarantinePlatform(data, jobs))
            {
                await restarted.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var admin = restarted.CreateClient(PlatformFactory.Admin);
                var list = await ReadJsonAsync(await admin.GetAsync("/api/jobs/fragile/quarantine?limit=10"));
                var entry = Assert.Single(list.GetProperty("entries").EnumerateArray());
                Assert.Equal((id, 6), (entry.GetProperty("id").GetString(), entry.GetProperty("attempts").GetInt32()));

                // The author fixes the module (hot reload); the retry runs the live path and writes the features.
                await File.WriteAllTextAsync(Path.Combine(jobs, "fragile.py"), QuarantinePlatform.FixedJob);
                await PollAsync(async () => (await ReadJsonAsync(await admin.PostAsync($"/api/jobs/fragile/quarantine/{id}/retry", null))).GetProperty("succeeded").GetBoolean(),
                    "a retry with the fixed module");
                var features = restarted.Services.GetRequiredService<FeatureStore>();
                Assert.Equal($"x-{victim}", (await features.GetAsync("fragile", victim))?.EventId);
                Assert.Equal(0, (await ReadJsonAsync(await admin.GetAsync("/api/jobs/fragile/quarantine"))).GetProperty("count").GetInt32());
            }
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    [Fact]
    public async Task A_bad_value_poisons_only_its_own_order_and_a_declared_type_dead_letters_it_before_any_job()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            await using var platform = new QuarantinePlatform(data, jobs);
            await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
            using var author = platform.CreateClient(PlatformFactory.Author);
            using var admin = platform.CreateClient(PlatformFactory.Admin);
            var features = platform.Services.GetRequiredService<FeatureStore>();
            var user = $"u-{Guid.NewGuid():N}";
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            // An undeclared source: the bad order is stored; order_stats_30d fails on it alone, later orders still compute.
            await PostAsync(author, "orders", [Order($"a-{user}", user, now - 3000, 10), Order($"bad-{user}", user, now - 2000, "abc"), Order($"c-{user}", user, now - 1000, 20)]);
            FeatureRecord? record = null;
            await PollAsync(async () => (record = await features.GetAsync("order_stats_30d", user)) is { EventId: var e } && e == $"c-{user}", "features of the order after the bad one");
            Assert.Equal(2, record!.Values["order_count"].GetInt64());
            Assert.Equal(30.0, record.Values["order_amount"].GetDouble());
            var list = default(JsonElement);
            await PollAsync(async () => (list = await ReadJsonAsync(await admin.GetAsync("/api/jobs/order_stats_30d/quarantine"))).GetProperty("count").GetInt32() == 1,
                "the bad order in quarantine");
            var entry = Assert.Single(list.GetProperty("entries").EnumerateArray());
            Assert.Equal(($"bad-{user}", "FieldTypeError"), (entry.GetProperty("eventId").GetString(), entry.GetProperty("errorType").GetString()));
            Assert.Contains("field 'amount'", entry.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("'abc'", entry.GetProperty("message").GetString(), StringComparison.Ordinal);

            // A declared type: the bad message is dead-lettered at ingestion with the field, the type and the value; the good one runs.
            var typed = $"t-{Guid.NewGuid():N}";
            await PostAsync(author, "typed_orders", [Order($"tbad-{typed}", typed, now - 2000, "abc"), Order($"tgood-{typed}", typed, now - 1000, 12.5)]);
            await PollAsync(async () => await features.GetAsync("fragile", typed) is { EventId: var e } && e == $"tgood-{typed}", "features of the well-typed order");
            var letters = await ReadJsonAsync(await admin.GetAsync("/api/dead-letters?source=typed_orders"));
            var letter = Assert.Single(letters.EnumerateArray(), l => l.GetProperty("reason").GetString()!.Contains("field 'amount'", StringComparison.Ordinal));
            Assert.Contains("must be a decimal", letter.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("got \"abc\"", letter.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains($"tbad-{typed}", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(letter.GetProperty("valueBase64").GetString()!)), StringComparison.Ordinal);
            Assert.Null(await platform.Services.GetRequiredService<IEventReader>().GetByIdAsync("typed_orders", $"tbad-{typed}"));
            Assert.DoesNotContain((await ReadJsonAsync(await admin.GetAsync("/api/jobs/fragile/quarantine"))).GetProperty("entries").EnumerateArray(),
                e => e.GetProperty("source").GetString() == "typed_orders");
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    [Fact]
    public async Task A_call_whose_logic_fails_gets_a_failed_answer_with_the_traceback_promptly_and_is_quarantined()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            await using var platform = new QuarantinePlatform(data, jobs);
            await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
            using var author = platform.CreateClient(PlatformFactory.Author);
            var key = $"k-{Guid.NewGuid():N}";
            var watch = Stopwatch.StartNew();
            using var response = await author.PostAsync("/api/jobs/fragile/requests?wait=30000",
                Json(JsonSerializer.Serialize(new { key, requestId = $"r-{key}", data = new { poison = true, order_id = $"call-{key}" } })));
            var answer = await ReadJsonAsync(response);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the failed answer took {watch.Elapsed}");
            Assert.Equal("failed", answer.GetProperty("state").GetString());
            Assert.Contains("ValueError", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains($"poison order call-{key}", answer.GetProperty("traceback").GetString(), StringComparison.Ordinal);
            var entry = Assert.Single((await ReadJsonAsync(await author.GetAsync("/api/jobs/fragile/quarantine"))).GetProperty("entries").EnumerateArray());
            Assert.Equal(("call", "calls.fragile", $"r-{key}", 3), (entry.GetProperty("mode").GetString(), entry.GetProperty("source").GetString(),
                entry.GetProperty("eventId").GetString(), entry.GetProperty("attempts").GetInt32()));
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    [Fact]
    public async Task Readiness_is_Degraded_while_a_job_lags_past_the_threshold_and_Healthy_again_once_it_caught_up()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(jobs, "slowpoke.py"), """
                import time

                from featureplatform import Output, job


                @job("slowpoke", triggers="orders", outputs=[Output("order_id", str, "The order.")])
                def slowpoke(event, ctx):
                    if event.get("slow"):
                        time.sleep(4)
                    return {"order_id": event.str("order_id")}
                """);
            await using var platform = new QuarantinePlatform(data, jobs, new Dictionary<string, string> { ["Runtime:Health:MaxLag"] = "00:00:10" });
            await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
            using var author = platform.CreateClient(PlatformFactory.Author);
            using var reader = platform.CreateClient(PlatformFactory.Reader);
            var features = platform.Services.GetRequiredService<FeatureStore>();
            var user = $"u-{Guid.NewGuid():N}";
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await PostAsync(author, "orders", [Order($"a-{user}", user, now - 60_000, 1)]);
            await PollAsync(async () => await features.GetAsync("slowpoke", user) is not null, "the first order runs");

            // A slow order 30 s of event time later, and one after it: the job falls 30 s behind while it runs.
            await PostAsync(author, "orders", [Order($"b-{user}", user, now - 30_000, 1, slow: true), Order($"c-{user}", user, now - 20_000, 1)]);
            var slow = default(JsonElement);
            await PollAsync(async () => (await ReadJsonAsync(await reader.GetAsync("/health/ready"))).GetProperty("checks").GetProperty("runtime") is var r
                && r.TryGetProperty("jobs", out var j) && j.TryGetProperty("slowpoke", out slow), "readiness names the lagging job");
            Assert.Contains("over 00:00:10 (Runtime:Health:MaxLag)", slow.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.True(slow.GetProperty("lagMs").GetInt64() > 10_000);
            await PollAsync(async () => await features.GetAsync("slowpoke", user) is { EventId: var e } && e == $"c-{user}", "the job catches up");
            await PollAsync(async () => (await ReadJsonAsync(await reader.GetAsync("/health/ready"))).GetProperty("checks").GetProperty("runtime")
                .GetProperty("status").GetString() == "Healthy", "readiness Healthy again");
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static string Order(string id, string user, long time, object amount, bool poison = false, bool slow = false) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["order_id"] = id, ["user_id"] = user, ["created_at"] = time, ["amount"] = amount, ["poison"] = poison, ["slow"] = slow });

    private static async Task PostAsync(HttpClient client, string source, IEnumerable<string> messages)
    {
        using var response = await client.PostAsync($"/api/sources/{source}/messages", Json($"[{string.Join(",", messages)}]"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Deadline);
}
