using System.Globalization;
using System.Text;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// Backtest results are not cut: the table pages through every row with a heading that says which rows of how many,
/// the chart draws every row with one line per key (a key picked, that key's rows only), sample labels show in the
/// table, and the run is named by the user's label. Screenshots in <c>artifacts/ux</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BacktestResultsPageTests(WebHost host)
{
    private static readonly string Artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts", "ux");

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

        // The chart: every row, one line per key.
        await page.SelectOptionAsync("#chart-column", "order_amount");
        await Assertions.Expect(page.Locator("#chart svg.chart g.series")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#chart svg.chart circle.point")).ToHaveCountAsync(250);
        await Assertions.Expect(page.Locator($"#chart svg.chart g.series[data-series='{a}'] circle.point")).ToHaveCountAsync(240);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "5-results-all-keys.png"), FullPage = true });

        // One key: its line and its rows only.
        await page.SelectOptionAsync("#chart-key", b);
        await Assertions.Expect(page.Locator("#chart svg.chart g.series")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"#chart svg.chart g.series[data-series='{b}'] circle.point")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#results-heading")).ToHaveTextAsync($"Results 1–10 of 10 for key {b}");
        await Assertions.Expect(page.Locator("#results-next")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#results-table tbody")).ToContainTextAsync("maybe");

        // Listed by its label.
        await Assertions.Expect(page.Locator("#runs table")).ToContainTextAsync("Churn sample Q1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "6-results-one-key.png"), FullPage = true });
        await page.CloseAsync();
    }
}
