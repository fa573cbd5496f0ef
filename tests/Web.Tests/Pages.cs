using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>Opens the UI in a new page with an API key entered in its key box.</summary>
internal static class Pages
{
    public static async Task<IPage> OpenAsync(WebHost host, string key, string hash)
    {
        var page = await host.Browser.NewPageAsync();
        await page.GotoAsync("/" + hash);
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-status")).Not.ToHaveTextAsync("no key");
        return page;
    }
}
