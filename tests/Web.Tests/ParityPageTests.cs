using FeaturePlatform.Runtime.Repair;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ParityPageTests(WebHost host)
{
    [Fact]
    public async Task A_check_of_a_range_live_computed_shows_every_row_equal_and_the_counts()
    {
        var (user, t0) = await Orders.PostAsync(host, 1975, 100, 200, 300);
        await LiveComputedAsync(user, 3);
        var page = await Pages.OpenAsync(host, "demo-reader", "#/parity");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.FillAsync("#pc-from", Orders.Local(t0));
        await page.FillAsync("#pc-to", Orders.Local(t0 + 3 * Orders.Day));
        await page.ClickAsync("#launch-parity");

        await Assertions.Expect(page.Locator("#parity-state")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#parity-check .message.ok")).ToContainTextAsync("Parity holds");
        await Assertions.Expect(page.Locator("#parity-counts tbody td")).ToHaveTextAsync(["3", "0", "0", "0", "3"]);
        await Assertions.Expect(page.Locator("#parity-differences")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#parity-checks")).ToContainTextAsync("order_stats_30d");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_reader_is_not_offered_corrections_and_an_operator_confirms_one_first()
    {
        var page = await Pages.OpenAsync(host, "demo-reader", "#/parity");
        await Assertions.Expect(page.Locator("#launch-parity")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#pc-correct")).ToHaveCountAsync(0);

        // An operator may correct: the check that rewrites live outputs asks first; cancelled, nothing starts.
        await Pages.UseKeyAsync(page, "demo-operator");
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.CheckAsync("#pc-correct");
        await page.ClickAsync("#launch-parity");
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync("Correct order_stats_30d's outputs?");
        await page.ClickAsync("#confirm-cancel");
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToHaveCountAsync(0);
        Assert.EndsWith("#/parity", page.Url, StringComparison.Ordinal);
        await page.CloseAsync();
    }

    [Fact]
    public async Task At_a_phone_width_the_page_has_no_horizontal_scroll()
    {
        var (user, t0) = await Orders.PostAsync(host, 1985, 100);
        await LiveComputedAsync(user, 1);
        var page = await Pages.OpenAsync(host, "demo-reader", "#/parity");
        await page.SetViewportSizeAsync(360, 740);
        await page.SelectOptionAsync("#job", "order_stats_30d");
        await page.FillAsync("#pc-from", Orders.Local(t0));
        await page.FillAsync("#pc-to", Orders.Local(t0 + Orders.Day));
        await page.ClickAsync("#launch-parity");
        await Assertions.Expect(page.Locator("#parity-state")).ToHaveTextAsync("Completed");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 360 px screen");
        await Assertions.Expect(page.Locator("#launch-parity")).ToBeInViewportAsync();
        await page.CloseAsync();
    }

    /// <summary>Waits until live has computed the user's orders (the result log holds them).</summary>
    private async Task LiveComputedAsync(string user, int orders)
    {
        var results = host.Services.GetRequiredService<ResultLog>();
        var ids = Enumerable.Range(0, orders).Select(i => ("orders", $"{user}-{i}")).ToList();
        await Poll.UntilAsync(async () => (await results.GetAsync("order_stats_30d", ids)).Count == orders, TimeSpan.FromSeconds(60), $"live to compute {user}'s orders");
    }
}
