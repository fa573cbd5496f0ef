using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Metrics;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>
/// What the Jobs page and /metrics tell an operator per job, driven through the real path (message-forward → bus →
/// ingestion → live runner → outputs and error records): last output time, a throughput series, late events, errors
/// and quarantines; the list's error count equals the detail's records, also after a restart of the platform.
/// </summary>
public sealed class JobMonitoringTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_jobs_list_and_metrics_carry_per_job_monitoring_and_error_counts_match_the_detail_after_a_restart()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            await using (var platform = new QuarantinePlatform(data, jobs))
            {
                await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                var live = platform.Services.GetRequiredService<LiveJobsService>();
                await PollAsync(() => Task.FromResult(live.Runners.ContainsKey("fragile/orders")), "the live runner of fragile on orders");
                using var author = platform.CreateClient(PlatformFactory.Author);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var user = $"u-{Guid.NewGuid():N}";
                await PostAsync(author, $$"""[{"order_id":"{{user}}-ok","user_id":"{{user}}","created_at":{{now}},"amount":5},"""
                    + $$"""{"order_id":"{{user}}-bad","user_id":"{{user}}","created_at":{{now + 1}},"amount":6,"poison":true}]""");

                // Outputs, throughput and the failing event's error records, as the list shows them.
                var status = await PollStatusAsync(author, "fragile", s => s.GetProperty("lastOutputAt").ValueKind == JsonValueKind.String
                    && s.GetProperty("throughput").EnumerateArray().Sum(p => p.GetDouble()) > 0 && s.GetProperty("errors").GetInt64() >= 1, "outputs and errors of fragile");
                Assert.Equal(10, status.GetProperty("throughputStepSeconds").GetInt32());
                Assert.True(status.GetProperty("errorsSinceStart").GetInt64() >= 1);
                var lastOutput = status.GetProperty("lastOutputAt").GetDateTimeOffset();
                Assert.InRange(lastOutput, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(5));

                // A late event (an hour behind the idle source's watermark) is counted for every job it triggers.
                await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync("/api/watermarks/orders"))).GetProperty("eventTime").GetInt64() > now - 60_000,
                    "the orders watermark passed the posted orders");
                await PostAsync(author, $$"""{"order_id":"{{user}}-late","user_id":"{{user}}","created_at":{{now - 3_600_000}},"amount":7}""");
                await PollStatusAsync(author, "fragile", s => s.GetProperty("lateEvents").GetInt64() >= 1, "the late event counted for fragile");
                await PollStatusAsync(author, "order_stats_30d", s => s.GetProperty("lateEvents").GetInt64() >= 1, "the late event counted for order_stats_30d");

                // The same per job in /metrics, tagged with the job.
                using var anonymous = platform.CreateClient();
                await PollAsync(async () =>
                {
                    var text = await anonymous.GetStringAsync("/metrics");
                    return MetricsTests.Sum(text, "runtime_job_late_events_total", ("job", "fragile"), ("source", "orders")) >= 1
                        && MetricsTests.Sum(text, "runtime_job_errors_total", ("job", "fragile")) >= 1
                        && MetricsTests.Samples(text, "runtime_job_last_output_seconds", ("job", "fragile"), ("source", "orders")).Count == 1
                        && MetricsTests.Samples(text, "runtime_job_throughput", ("job", "fragile"), ("source", "orders")).Count == 1
                        && MetricsTests.Samples(text, "runtime_job_quarantine_size", ("job", "fragile")).Count == 1
                        && MetricsTests.Samples(text, "runtime_job_lag_seconds", ("job", "fragile"), ("source", "orders")).Count == 1
                        && MetricsTests.Samples(text, "runtime_job_pending_messages", ("job", "fragile"), ("source", "orders")).Count == 1;
                }, "the per-job series of fragile in /metrics");
                await AssertListEqualsDetailAsync(author, "fragile");
            }

            // A restart: the list counts the stored records the detail shows, not this process's (none yet).
            await using (var restarted = new QuarantinePlatform(data, jobs))
            {
                await restarted.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var reader = restarted.CreateClient(PlatformFactory.Reader);
                var errors = await AssertListEqualsDetailAsync(reader, "fragile");
                Assert.True(errors >= 1, "the errors before the restart are still counted");
            }
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    /// <summary>Asserts the list's error count of <paramref name="job"/> equals the number of records its detail lists; returns it.</summary>
    private static async Task<long> AssertListEqualsDetailAsync(HttpClient client, string job)
    {
        var listed = (await ReadJsonAsync(await client.GetAsync("/api/jobs"))).EnumerateArray().Single(j => j.GetProperty("name").GetString() == job);
        var detail = await ReadJsonAsync(await client.GetAsync($"/api/jobs/{job}"));
        var errors = listed.GetProperty("status").GetProperty("errors").GetInt64();
        Assert.InRange(errors, 0, JobsApiRecentErrors - 1);
        Assert.Equal(errors, detail.GetProperty("recentErrors").GetArrayLength());
        Assert.Equal(errors, detail.GetProperty("status").GetProperty("errors").GetInt64());
        return errors;
    }

    private const int JobsApiRecentErrors = FeaturePlatform.FeatureApi.Apis.JobsApi.RecentErrors;

    private static async Task PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/api/sources/orders/messages", Json(body));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> PollStatusAsync(HttpClient client, string job, Func<JsonElement, bool> condition, string what)
    {
        JsonElement status = default;
        await PollAsync(async () =>
        {
            var list = await ReadJsonAsync(await client.GetAsync("/api/jobs"));
            status = list.EnumerateArray().Single(j => j.GetProperty("name").GetString() == job).GetProperty("status");
            return condition(status);
        }, what);
        return status;
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Deadline);
}
