using FeaturePlatform.Runtime.OnlineStore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The selection page (#/select): a predicate built from conditions, the count and the preview of a user whose
/// features live computed, an export with its download link, a saved selection, and no horizontal scroll at 390 px.
/// Screenshots in <c>tests/Web.Tests/TestResults/screenshots/ux</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SelectionPageTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("ux");

    [Fact]
    public async Task Conditions_count_preview_export_and_save_and_it_fits_a_phone()
    {
        Directory.CreateDirectory(Artifacts);
        var (user, _) = await Orders.PostAsync(host, 2001, 700, 77.5);
        var features = host.Services.GetRequiredService<FeatureStore>();
        await Poll.UntilAsync(async () => await features.GetAsync("order_stats_30d", user) is { EventId: var e } && e == $"{user}-1", TimeSpan.FromSeconds(60),
            $"live to compute {user}'s orders");

        var page = await Pages.OpenAsync(host, "demo-author", "#/select");
        await page.SetViewportSizeAsync(390, 844);
        await page.SelectOptionAsync("#job", "order_stats_30d");
        var amount = page.Locator("#select-columns input[data-column=order_amount]");
        var shown = "";
        await Poll.UntilAsync(async () =>
        {
            shown = await page.Locator("#page").InnerTextAsync();
            return await amount.CountAsync() == 1;
        }, TimeSpan.FromSeconds(30), "the job's columns listed", () => shown);
        await page.ClickAsync("#select-add");
        await page.Locator(".condition").Nth(0).Locator(".cond-column").SelectOptionAsync("user_id");
        await page.Locator(".condition").Nth(0).Locator(".cond-value").FillAsync(user);
        await page.ClickAsync("#select-add");
        await page.Locator(".condition").Nth(1).Locator(".cond-column").SelectOptionAsync("order_amount");
        await page.Locator(".condition").Nth(1).Locator(".cond-op").SelectOptionAsync(">=");
        await page.Locator(".condition").Nth(1).Locator(".cond-value").FillAsync("700");
        await page.CheckAsync("#select-columns input[data-column=order_amount]");
        await page.ClickAsync("#select-run");

        await Assertions.Expect(page.Locator("#select-count")).ToHaveTextAsync("1 entities match");
        await Assertions.Expect(page.Locator("#select-preview tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#select-preview tbody")).ToContainTextAsync(user);
        await Assertions.Expect(page.Locator("#select-preview tbody")).ToContainTextAsync("777.5");

        await page.ClickAsync("#select-csv");
        await Assertions.Expect(page.Locator("#select-exports .export-link[data-format=csv]")).ToContainTextAsync("Download csv (1 rows)");
        // The run joins the past exports with its lineage: who started it and what it selected.
        var runId = await page.Locator("#select-exports .export-link[data-format=csv]").GetAttributeAsync("data-run");
        var pastRun = page.Locator("#select-history-list tr", new() { Has = page.Locator($".export-link[data-run='{runId}']") });
        await Assertions.Expect(pastRun).ToContainTextAsync("demo-author");
        await Assertions.Expect(pastRun).ToContainTextAsync(user);
        await Assertions.Expect(pastRun.Locator(".export-link")).ToHaveTextAsync("Download");

        await page.FillAsync("#select-name", $"sel-{user}");
        await page.ClickAsync("#select-save");
        await Assertions.Expect(page.Locator("#select-saved-list")).ToContainTextAsync($"sel-{user}");

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "selection-390.png"), FullPage = true });
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 390 px screen");

        // A wrong value is refused with the field and the fix.
        await page.Locator(".condition").Nth(1).Locator(".cond-value").FillAsync("lots");
        await page.ClickAsync("#select-run");
        await Assertions.Expect(page.Locator("#select-status .message.error")).ToContainTextAsync("predicate.and[1].value");

        // Past exports are listed on a fresh visit too (from the runs the host keeps on disk).
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#select-history-list tr", new() { Has = page.Locator($".export-link[data-run='{runId}']") })).ToContainTextAsync("Succeeded");
        await page.CloseAsync();
    }
}
