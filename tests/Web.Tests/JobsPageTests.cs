using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class JobsPageTests(WebHost host)
{
    [Fact]
    public async Task The_jobs_dashboard_lists_jobs_with_watermarks_and_an_admin_disables_and_enables_one()
    {
        await Orders.PostAsync(host, 2041, 10);
        var page = await Pages.OpenAsync(host, "demo-admin", "#/jobs");
        var row = page.Locator("#jobs-table tbody tr", new() { HasText = "order_stats_30d" });
        await Assertions.Expect(row).ToContainTextAsync("enabled");
        await Assertions.Expect(row).ToContainTextAsync("trigger_strong");
        await Assertions.Expect(row).ToContainTextAsync("orders: 20");
        await Assertions.Expect(page.Locator("#jobs-table tbody tr")).ToHaveCountAsync(2);

        await row.Locator("a").ClickAsync();
        var detail = page.Locator("#job-detail");
        await Assertions.Expect(detail).ToContainTextAsync("Job order_stats_30d (version 1)");
        await Assertions.Expect(detail).ToContainTextAsync("Orders in the window, the triggering one included.");
        try
        {
            await detail.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            // The dashboard refreshes itself: the new state shows without reloading.
            await Assertions.Expect(row).ToContainTextAsync("disabled");
            Assert.False(host.Registry.Find("order_stats_30d")!.Enabled);
            await detail.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
            await Assertions.Expect(row).Not.ToContainTextAsync("disabled");
        }
        finally
        {
            host.Registry.Find("order_stats_30d")!.Enabled = true;
        }
        await page.CloseAsync();
    }
}
