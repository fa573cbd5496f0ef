using System.Net;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Parity;

/// <summary>
/// Parity checks are runs users come back to: a finished check's report and lineage (job version, parameter values,
/// model versions, who started it)
/// are listed and readable after a restart of the platform (a second host on the same data directory).
/// </summary>
public sealed class ParityRestartTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private const long Day = 86_400_000;

    [Fact]
    public async Task A_finished_parity_check_with_its_report_and_lineage_is_listed_after_a_restart()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        try
        {
            var user = $"u-{Guid.NewGuid():N}";
            const long t0 = 1_000_000_000_000L;
            string id;
            JsonElement before;
            await using (var platform = new QuarantinePlatform(data, jobs))
            {
                await platform.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var author = platform.CreateClient(PlatformFactory.Author);
                await PostOrdersAsync(author, [user], t0, [10.0, 20.0, 30.0], Deadline);
                var launched = await ReadJsonAsync(await author.PostAsync("/api/parity",
                    Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + 3 * Day}}}""")), HttpStatusCode.Accepted);
                id = launched.GetProperty("id").GetString()!;
                await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync($"/api/parity/{id}"))).GetProperty("isFinished").GetBoolean(), "the check finished");
                before = await ReadJsonAsync(await author.GetAsync($"/api/parity/{id}"));
                Assert.Equal("Completed", before.GetProperty("state").GetString());
                Assert.False(string.IsNullOrEmpty(before.GetProperty("jobVersion").GetString()));
            }

            await using (var restarted = new QuarantinePlatform(data, jobs))
            {
                await restarted.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(Deadline);
                using var reader = restarted.CreateClient(PlatformFactory.Reader);
                var after = await ReadJsonAsync(await reader.GetAsync($"/api/parity/{id}"));
                Assert.Equal(PlatformFactory.Author, after.GetProperty("requestedBy").GetString());
                foreach (var field in new[] { "state", "job", "from", "to", "counts", "differences", "jobVersion", "versions", "parameters", "models", "requestedBy", "createdAt", "endedAt" })
                {
                    Assert.Equal(before.GetProperty(field).GetRawText(), after.GetProperty(field).GetRawText());
                }
                var list = await ReadJsonAsync(await reader.GetAsync("/api/parity"));
                Assert.Contains(id, list.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
            }
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Deadline);
}
