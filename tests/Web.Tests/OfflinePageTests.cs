using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>The backfills and slices page: an operator backfills a range and takes a slice, and sees both complete.</summary>
[Collection(WebCollection.Name)]
public sealed class OfflinePageTests(WebHost host)
{
    [Fact]
    public async Task An_operator_backfills_a_range_and_takes_a_slice_and_sees_both_complete_with_their_counts()
    {
        var (user, t0) = await Orders.PostAsync(host, 1997, 100, 200, 300);
        var page = await Pages.OpenAsync(host, "demo-operator", "#/offline");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.FillAsync("#bf-from", Orders.Local(t0));
        await page.FillAsync("#bf-to", Orders.Local(t0 + 3 * Orders.Day));
        await page.FillAsync("#bf-label", "web backfill");
        await page.ClickAsync("#launch-backfill");
        var row = page.Locator("#backfills-table tbody tr").Filter(new() { HasText = "order_stats_30d" }).First;
        // The first run of the job on a fresh host starts its worker process: give it time.
        await Assertions.Expect(row).ToContainTextAsync("Completed", new() { Timeout = 90_000 });
        await Assertions.Expect(row).ToContainTextAsync("demo-operator");

        await page.SelectOptionAsync("#slice-source", "orders");
        await page.FillAsync("#slice-asof", Orders.Local(t0 + Orders.Day));
        await page.ClickAsync("#launch-slice");
        var slice = page.Locator("#slices-table tbody tr").First;
        await Assertions.Expect(slice).ToContainTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(slice.Locator("a", new() { HasText = "Parquet" })).ToBeVisibleAsync();
        Assert.False(string.IsNullOrEmpty(user));
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_reader_cannot_start_a_backfill_and_is_told_why()
    {
        var page = await Pages.OpenAsync(host, "demo-reader", "#/offline");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.ClickAsync("#launch-backfill");
        await Assertions.Expect(page.Locator("#offline-status .message.error")).ToBeVisibleAsync();
        await page.CloseAsync();
    }
}
