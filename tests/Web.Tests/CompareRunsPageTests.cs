using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The run comparison page: two backtests of one range (the job's parameter values against a what-if value) side by side
/// — what each ran with, every feature's statistics and their difference, one key's feature over time from both runs on
/// one chart — and a backtest against live, through a parity check of its range. Screenshots in <c>tests/Web.Tests/TestResults/screenshots/compare</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class CompareRunsPageTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("compare");

    [Fact]
    public async Task Two_runs_compare_side_by_side_and_a_run_compares_with_live()
    {
        Directory.CreateDirectory(Artifacts);
        var (user, t0) = await Orders.PostAsync(host, 1986, 100, 200, 300);
        using var author = host.Client("demo-author");
        var a = await LaunchAsync(author, new { job = "order_stats_30d", from = t0, to = t0 + 3 * Orders.Day, label = "as in force" });
        var b = await LaunchAsync(author, new { job = "order_stats_30d", from = t0, to = t0 + 3 * Orders.Day, label = "min 150", parameters = new { min_amount = 150.0 } });

        var page = await Pages.OpenAsync(host, "demo-reader", $"#/compare/{a}/{b}");
        await Assertions.Expect(page.Locator("#cmp-used-b")).ToContainTextAsync("min_amount = 150 (what-if)");
        // order_count of this user: 1, 2, 3 against 0, 1, 2 (the order of 100 is ignored): B's mean is lower (other users'
        // orders in the range, if any, can only lower it too).
        var count = page.Locator("#cmp-summary tbody tr", new() { Has = page.Locator("td:first-child code", new() { HasTextString = "order_count" }) });
        await Assertions.Expect(count.Locator("td").Nth(4)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^-[0-9.]+$"));
        await page.SelectOptionAsync("#cmp-column", "order_amount");
        await page.SelectOptionAsync("#cmp-key", user);
        var chart = page.Locator("#cmp-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series", "2");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "6");
        var data = await page.EvaluateAsync<double[][]>("() => document.querySelector('#cmp-chart').chart.data.slice(1)");
        Assert.Equal([100.0, 300.0, 600.0], data[0]);
        Assert.Equal([0.0, 200.0, 500.0], data[1]);
        await ResponsiveTests.AssertFitsAsync(page, 1366);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "runs-1366.png"), FullPage = true });
        await page.SetViewportSizeAsync(390, 844);
        await ResponsiveTests.AssertFitsAsync(page, 390);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "runs-390.png"), FullPage = true });

        // Against live: a parity check of the run's range, shown on the parity page.
        await page.SelectOptionAsync("#cmp-b", "live");
        await page.ClickAsync("#cmp-parity");
        await Assertions.Expect(page.Locator("#parity-state")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#parity-check")).ToContainTextAsync("order_stats_30d");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "live-390.png"), FullPage = true });
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_range_compared_with_live_comes_from_the_runs_structured_from_and_to()
    {
        var (_, t0) = await Orders.PostAsync(host, 1987, 100, 200);
        using var author = host.Client("demo-author");
        var id = await LaunchAsync(author, new { job = "order_stats_30d", from = DateTimeOffset.FromUnixTimeMilliseconds(t0).ToString("O"), to = t0 + 2 * Orders.Day, label = "range" });
        var run = await author.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}");
        Assert.Equal(t0, run.GetProperty("from").GetInt64());
        Assert.Equal(t0 + 2 * Orders.Day, run.GetProperty("to").GetInt64());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(t0), run.GetProperty("fromUtc").GetDateTimeOffset());
        Assert.Equal("demo-author", run.GetProperty("requestedBy").GetString());
        var listed = (await author.GetFromJsonAsync<JsonElement>("/api/backtests")).EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal(t0, listed.GetProperty("from").GetInt64());

        // The page must not read the range out of the display text: the list is served with the range cut from 'trigger'.
        var page = await host.Browser.NewPageAsync();
        await page.RouteAsync("**/api/backtests", async route =>
        {
            var response = await route.FetchAsync();
            var runs = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!.AsArray();
            foreach (var r in runs)
            {
                r!["trigger"] = r["trigger"]!.GetValue<string>().Split(" [")[0];
            }
            await route.FulfillAsync(new() { Response = response, Body = runs.ToJsonString() });
        });
        var posted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/api/parity", async route =>
        {
            if (route.Request.Method == "POST")
            {
                posted.TrySetResult(route.Request.PostData ?? "");
            }
            await route.ContinueAsync();
        });
        await page.GotoAsync($"/#/compare/{id}/live");
        await Pages.UseKeyAsync(page, "demo-reader");
        await Assertions.Expect(page.Locator("#compare")).ToContainTextAsync(DateTimeOffset.FromUnixTimeMilliseconds(t0).UtcDateTime.ToString("yyyy-MM-dd"));
        await page.ClickAsync("#cmp-parity");
        var body = JsonDocument.Parse(await posted.Task.WaitAsync(TimeSpan.FromSeconds(30))).RootElement;
        Assert.Equal(t0, body.GetProperty("from").GetInt64());
        Assert.Equal(t0 + 2 * Orders.Day, body.GetProperty("to").GetInt64());
        await Assertions.Expect(page.Locator("#parity-state")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await page.CloseAsync();
    }

    private static async Task<string> LaunchAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/backtests", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}")).GetProperty("state").GetString() == "Completed",
            TimeSpan.FromSeconds(60), $"backtest {id} completed");
        return id;
    }
}
