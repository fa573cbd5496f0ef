using System.Net;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class FeatureLookupTests(WebHost host)
{
    [Fact]
    public async Task The_event_browser_looks_up_the_features_the_running_job_computed()
    {
        var (user, _) = await Orders.PostAsync(host, 1981, 40, 60);
        using var reader = host.Client("demo-reader");
        await Poll.UntilAsync(async () =>
        {
            using var response = await reader.GetAsync($"/api/features/order_stats_30d/{user}");
            return response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains($"\"{user}-1\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the live job's features of the second order");

        var page = await Pages.OpenAsync(host, "demo-reader", "#/events");
        await page.FillAsync("#ft-job", "order_stats_30d");
        await page.FillAsync("#ft-key", user);
        await page.ClickAsync("#feature-form button[type=submit]");
        var table = page.Locator("#ft-table");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "order_count" }).Locator("td").Nth(1)).ToHaveTextAsync("2");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "avg_order_amount" }).Locator("td").Nth(1)).ToHaveTextAsync("50");
        await Assertions.Expect(page.Locator("#ft-result")).ToContainTextAsync($"{user}-1");

        await page.FillAsync("#ft-key", "nobody-" + user);
        await page.ClickAsync("#feature-form button[type=submit]");
        await Assertions.Expect(page.Locator("#ft-result .message.error")).ToContainTextAsync("has no features for key");
        await page.CloseAsync();
    }
}
