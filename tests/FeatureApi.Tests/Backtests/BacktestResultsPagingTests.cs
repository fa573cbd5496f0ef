using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>
/// Results are not cut silently: pages of rows with the total (of one key when asked), the run's keys with their row
/// counts, sample labels in the JSON rows, and runs named by the user's label (or the uploaded file's own name) instead
/// of the stored upload's internal name.
/// </summary>
public sealed class BacktestResultsPagingTests(PlatformFactory factory) : IClassFixture<PlatformFactory>, IAsyncLifetime
{
    private const long Day = 86_400_000;

    public async Task InitializeAsync() => await factory.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_labelled_sample_run_pages_its_rows_per_key_with_totals_keys_and_labels()
    {
        var t0 = 978_307_200_000L + Random.Shared.NextInt64(0, 7000) * Day;
        var (a, b) = ($"a-{Guid.NewGuid():N}", $"b-{Guid.NewGuid():N}");
        await PostOrdersAsync(a, t0, 3);
        await PostOrdersAsync(b, t0, 2);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var csv = new StringBuilder("key,time,label\n");
        for (var i = 0; i < 3; i++)
        {
            csv.Append(CultureInvariant($"{a},{t0 + i * Day + 1},churned-{i}\n"));
        }
        for (var i = 0; i < 2; i++)
        {
            csv.Append(CultureInvariant($"{b},{t0 + i * Day + 1},stayed-{i}\n"));
        }
        using var form = new MultipartFormDataContent
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString())) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", "january-users.csv" },
            { new StringContent("January churners"), "label" },
        };
        var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests", form), HttpStatusCode.Accepted);
        var id = launched.GetProperty("id").GetString()!;
        Assert.Equal("January churners", launched.GetProperty("label").GetString());
        var done = await WaitFinishedAsync(author, id);
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        Assert.Equal("sample orders from January churners", done.GetProperty("trigger").GetString());
        var listed = (await ReadJsonAsync(await author.GetAsync("/api/backtests"))).EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal("January churners", listed.GetProperty("label").GetString());

        // All rows: page 2 of 2-row pages, the total, both keys with their counts, the labels.
        var page = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}/results?offset=2&limit=2"));
        Assert.Equal((5L, 2, 2), (page.GetProperty("total").GetInt64(), page.GetProperty("offset").GetInt32(), page.GetProperty("rows").GetArrayLength()));
        Assert.Equal(2, page.GetProperty("keyCount").GetInt64());
        var keys = page.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("key").GetString()!, k => k.GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<string, long> { [a] = 3, [b] = 2 }, keys);
        Assert.False(page.GetProperty("keysTruncated").GetBoolean());
        var all = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}/results?limit=10"));
        var labels = all.GetProperty("rows").EnumerateArray().Select(r => (Key: r.GetProperty("key").GetString(), Label: r.GetProperty("label").GetString())).ToList();
        Assert.Equal(5, labels.Count);
        Assert.Equal(["churned-0", "churned-1", "churned-2"], labels.Where(v => v.Key == a).Select(v => v.Label!).Order(StringComparer.Ordinal));
        Assert.Equal(["stayed-0", "stayed-1"], labels.Where(v => v.Key == b).Select(v => v.Label!).Order(StringComparer.Ordinal));

        // One key: its rows only, and the total counts them.
        var ofB = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}/results?key={b}&limit=1&offset=1"));
        Assert.Equal((2L, b), (ofB.GetProperty("total").GetInt64(), ofB.GetProperty("key").GetString()));
        Assert.Equal(b, Assert.Single(ofB.GetProperty("rows").EnumerateArray()).GetProperty("key").GetString());
        var none = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}/results?key=nobody"));
        Assert.Equal(0, none.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_run_is_named_by_its_label_or_the_uploaded_files_name_and_a_bad_label_is_refused()
    {
        var t0 = 978_307_200_000L + Random.Shared.NextInt64(0, 7000) * Day;
        var user = $"u-{Guid.NewGuid():N}";
        await PostOrdersAsync(user, t0, 1);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var range = await ReadJsonAsync(await author.PostAsync("/api/backtests",
            Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + Day}},"label":"one day"}""")), HttpStatusCode.Accepted);
        Assert.Equal("one day", range.GetProperty("label").GetString());
        using var form = new MultipartFormDataContent
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes($"key,time\n{user},{t0 + 1}\n")), "file", "my-users.csv" },
        };
        var sample = await ReadJsonAsync(await author.PostAsync("/api/backtests", form), HttpStatusCode.Accepted);
        Assert.Equal("my-users.csv", sample.GetProperty("label").GetString());
        // Described by the file's own name, never by the stored upload's internal one.
        Assert.Contains("my-users.csv", sample.GetProperty("trigger").GetString(), StringComparison.Ordinal);
        var problem = await AssertProblemAsync(await author.PostAsync("/api/backtests",
            Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + Day}},"label":"{{new string('x', 201)}}"}""")), HttpStatusCode.BadRequest, "label");
        Assert.Contains("200 characters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await WaitFinishedAsync(author, range.GetProperty("id").GetString()!);
        await WaitFinishedAsync(author, sample.GetProperty("id").GetString()!);
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private async Task PostOrdersAsync(string user, long t0, int count)
    {
        using var author = factory.CreateClient(PlatformFactory.Author);
        await TestHttp.PostOrdersAsync(author, [user], t0, [.. Enumerable.Range(0, count).Select(i => 10.0 * (i + 1))]);
    }

    private static async Task<JsonElement> WaitFinishedAsync(HttpClient client, string id)
    {
        JsonElement status = default;
        await PollAsync(async () => (status = await ReadJsonAsync(await client.GetAsync($"/api/backtests/{id}"))).GetProperty("isFinished").GetBoolean(), $"backtest {id} finished");
        return status;
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));
}
