using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>Opens the UI in a new page with an API key entered in its key box.</summary>
internal static class Pages
{
    /// <param name="host">The host.</param>
    /// <param name="key">The API key.</param>
    /// <param name="hash">The page, e.g. <c>#/events</c>.</param>
    /// <param name="expectedStatus">What the key box must show once the key is checked; default: the key's name (demo keys are named as they are spelt).</param>
    public static async Task<IPage> OpenAsync(WebHost host, string key, string hash, string? expectedStatus = null)
    {
        var page = await host.Browser.NewPageAsync();
        await page.GotoAsync("/" + hash);
        await UseKeyAsync(page, key, expectedStatus);
        return page;
    }

    /// <summary>Enters <paramref name="key"/> in the key box (the page re-renders with it).</summary>
    public static async Task UseKeyAsync(IPage page, string key, string? expectedStatus = null)
    {
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-status")).ToContainTextAsync(expectedStatus ?? key);
    }
}
