using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// Backtest results are not cut: the table pages through every row with a heading that says which rows of how many,
/// the chart draws every row with one line per key (a key picked, that key's rows only), sample labels show in the
/// table, and the run is named by the user's label. Screenshots in <c>tests/Web.Tests/TestResults/screenshots/ux</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BacktestResultsPageTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("ux");

    [Fact]
    public async Task A_labelled_sample_run_pages_all_rows_and_charts_one_line_per_key()
    {
        Directory.CreateDirectory(Artifacts);
        var (a, t0) = await Orders.PostAsync(host, 1981, 10, 20);
        var (b, t1) = await Orders.PostAsync(host, 1981, 5);
        var csv = new StringBuilder("key,time,label\n");
        for (var i = 0; i < 240; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{a},{t0 + Orders.Day + i * 60_000},{(i % 2 == 0 ? "yes" : "no")}\n");
        }
        for (var i = 0; i < 10; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{b},{t1 + i * 60_000},maybe\n");
        }
        var page = await Pages.OpenAsync(host, "demo-author", "#/backtests");
        await page.SetViewportSizeAsync(1366, 768);
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.SetInputFilesAsync("#bt-file", new FilePayload { Name = "users.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await page.FillAsync("#bt-label", "Churn sample Q1");
        await page.ClickAsync("#launch-upload");
        await Assertions.Expect(page.Locator("#run-state")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#run h3").First).ToHaveTextAsync("Run Churn sample Q1");

        // The table: the first 200 of 250 rows, the heading says so, the labels show; the next page has the rest.
        await Assertions.Expect(page.Locator("#results-heading")).ToHaveTextAsync("Results 1–200 of 250");
        await Assertions.Expect(page.Locator("#results-table tbody tr")).ToHaveCountAsync(200);
        await Assertions.Expect(page.Locator("#results-table thead")).ToContainTextAsync("Label");
        await Assertions.Expect(page.Locator("#results-table tbody")).ToContainTextAsync("yes");
        await page.ClickAsync("#results-next");
        await Assertions.Expect(page.Locator("#results-heading")).ToHaveTextAsync("Results 201–250 of 250");
        await Assertions.Expect(page.Locator("#results-table tbody tr")).ToHaveCountAsync(50);

        // The chart: every row, one line per key (both keys picked: there are only two).
        var chart = page.Locator("#chart");
        await page.SelectOptionAsync("#chart-column", "order_amount");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series", "2");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "250");
        await Assertions.Expect(page.Locator("#chart-note")).ToContainTextAsync("250 rows of 2 keys; every row drawn");
        await Assertions.Expect(chart.Locator(".u-legend")).ToContainTextAsync(a);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "5-results-all-keys.png"), FullPage = true });

        // One key unpicked: the other's line only.
        await page.Locator($"#chart-keys input[value='{a}']").UncheckAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-series", "1");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "10");
        await page.Locator($"#chart-keys input[value='{a}']").CheckAsync();
        await page.Locator($"#chart-keys input[value='{b}']").UncheckAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "240");

        // Zoom: a drag over the first half of the plot fetches that time range in detail; Reset shows all again.
        var over = await chart.Locator(".u-over").BoundingBoxAsync();
        Assert.NotNull(over);
        await page.Mouse.MoveAsync(over.X + 2, over.Y + over.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(over.X + over.Width / 2, over.Y + over.Height / 2, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(page.Locator("#chart-note")).ToContainTextAsync(" from ");
        await Assertions.Expect(page.Locator("#chart-reset")).ToBeVisibleAsync();
        var zoomed = int.Parse((await chart.GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture);
        Assert.InRange(zoomed, 100, 139); // about half of the 240 rows, a minute apart
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "6-results-zoomed.png"), FullPage = true });
        await page.ClickAsync("#chart-reset");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "240");

        // The table filtered to one key: its rows only.
        await page.SelectOptionAsync("#results-key", b);
        await Assertions.Expect(page.Locator("#results-heading")).ToHaveTextAsync($"Results 1–10 of 10 for key {b}");
        await Assertions.Expect(page.Locator("#results-next")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#results-table tbody")).ToContainTextAsync("maybe");

        // Listed by its label.
        await Assertions.Expect(page.Locator("#runs table")).ToContainTextAsync("Churn sample Q1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "7-results-one-key.png"), FullPage = true });

        // Big runs: the series endpoint gives every row up to the points asked for, else the lowest and highest value of
        // each time bucket (the extremes survive).
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        using var reader = host.Client("demo-reader");
        var all = await reader.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}/series?column=order_amount&key={a}&points=1000");
        var full = all.GetProperty("series")[0];
        Assert.False(full.GetProperty("downsampled").GetBoolean());
        Assert.Equal(240, full.GetProperty("points").GetArrayLength());
        var few = await reader.GetFromJsonAsync<JsonElement>($"/api/backtests/{id}/series?column=order_amount&key={a}&points=20");
        var down = few.GetProperty("series")[0];
        Assert.True(down.GetProperty("downsampled").GetBoolean());
        Assert.Equal(240, down.GetProperty("rows").GetInt64());
        var values = down.GetProperty("points").EnumerateArray().Select(p => p[1].GetDouble()).ToList();
        var times = down.GetProperty("points").EnumerateArray().Select(p => p[0].GetDouble()).ToList();
        Assert.InRange(values.Count, 2, 20);
        var fullValues = full.GetProperty("points").EnumerateArray().Select(p => p[1].GetDouble()).ToList();
        Assert.Equal(fullValues.Min(), values.Min());
        Assert.Equal(fullValues.Max(), values.Max());
        Assert.Equal(times.Order().ToList(), times);
        using var bad = await reader.GetAsync($"/api/backtests/{id}/series?column=nope&key={a}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("order_amount", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await page.CloseAsync();
    }
}
