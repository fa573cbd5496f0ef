using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class BacktestPageTests(WebHost host)
{
    [Fact]
    public async Task A_range_backtest_shows_progress_to_completion_then_results_and_a_chart()
    {
        var (user, t0) = await Orders.PostAsync(host, 2001, 100, 200, 300);
        var page = await Pages.OpenAsync(host, "demo-author", "#/backtests");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.FillAsync("#bt-from", Orders.Local(t0));
        await page.FillAsync("#bt-to", Orders.Local(t0 + 3 * Orders.Day));
        await page.ClickAsync("#launch-range");

        await Assertions.Expect(page.Locator("#run-state")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#run-progress")).ToHaveAttributeAsync("aria-valuenow", "100");
        await Assertions.Expect(page.Locator("#results-table tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#results-table")).ToContainTextAsync(user);
        await page.SelectOptionAsync("#chart-column", "order_amount");
        await Assertions.Expect(page.Locator("#chart")).ToHaveAttributeAsync("data-points", "3");
        await Assertions.Expect(page.Locator("#chart canvas")).ToHaveCountAsync(1);
        // Cumulative amounts 100, 300, 600 over three days: the chart's one series rises left to right.
        var ys = await page.EvaluateAsync<double[]>("() => document.querySelector('#chart').chart.data[1]");
        Assert.Equal([100.0, 300.0, 600.0], ys);
        var amount = page.Locator("#summary-table tbody tr").Filter(new() { Has = page.Locator("td:first-child code", new() { HasTextRegex = new Regex("^order_amount$") }) });
        await Assertions.Expect(amount.Locator("td")).ToHaveTextAsync(["order_amount", "3", "0", "100", "600", "333.3333", ""]);
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_sample_table_upload_runs_and_charts_its_rows()
    {
        var (user, t0) = await Orders.PostAsync(host, 2011, 150, 250);
        var page = await Pages.OpenAsync(host, "demo-author", "#/backtests");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        var csv = $"key,time\n{user},{t0 + Orders.Day / 2}\n{user},{t0 + 2 * Orders.Day}\n";
        await page.SetInputFilesAsync("#bt-file", new FilePayload { Name = "sample.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.ClickAsync("#launch-upload");
        await Assertions.Expect(page.Locator("#run-state")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#results-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#chart")).ToHaveAttributeAsync("data-points", "2");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_reader_sees_no_launch_form_and_is_told_which_key_can()
    {
        var page = await Pages.OpenAsync(host, "demo-reader", "#/backtests");
        await Assertions.Expect(page.Locator("#launch-note")).ToContainTextAsync("needs an author or admin key (your key: reader)");
        await Assertions.Expect(page.Locator("#launch-range")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#upload-form")).ToHaveCountAsync(0);
        await page.CloseAsync();
    }
}
