using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class EventBrowserTests(WebHost host)
{
    [Fact]
    public async Task Event_browser_shows_a_posted_messages_state_and_nothing_before_its_time()
    {
        var user = UniqueName.For("u");
        var order = UniqueName.For("o");
        const long createdAt = 1_767_225_600_000;
        await host.ForwardAndWaitAsync("orders", user, new[] { new { order_id = order, user_id = user, created_at = createdAt, amount = 12.5 } });

        var page = await Pages.OpenAsync(host, "demo-reader", "#/events");
        await page.SelectOptionAsync("#ev-source", "orders");
        await page.FillAsync("#ev-key", user);
        await page.ClickAsync("#event-form button[type=submit]");
        var after = page.Locator("#ev-after");
        await Assertions.Expect(after).ToContainTextAsync(order);
        await Assertions.Expect(after).ToContainTextAsync("12.5");
        await Assertions.Expect(page.Locator("#ev-history tbody tr")).ToHaveCountAsync(1);

        // As of one millisecond before the order: no state yet.
        await page.FillAsync("#ev-asof", "2025-12-31T23:59:59");
        await page.ClickAsync("#event-form button[type=submit]");
        await Assertions.Expect(page.Locator("#ev-none")).ToBeVisibleAsync();
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_missing_or_wrong_key_is_explained()
    {
        var page = await Pages.OpenAsync(host, "not-a-key", "#/events", expectedStatus: "key not accepted");
        await Assertions.Expect(page.Locator("#key-status")).ToHaveTextAsync("key not accepted");
        await Assertions.Expect(page.Locator(".message.error").First).ToContainTextAsync("Enter a valid API key above");
        await page.CloseAsync();
    }
}
