using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// Every page at 1366×768 and 390×844, with the API answering, slow (every API call held until the loading state has
/// been seen) and down (every API call refused): the page shows its heading, a loading state while held, an error (not
/// an empty list) when down, and never scrolls sideways at 390 px (wide tables scroll inside their own box). At 1024 px
/// the Jobs table shows whole. Each page is also opened with the operator, reviewer, author and reader keys (what each
/// role sees, without errors). Screenshots in <c>tests/Web.Tests/TestResults/screenshots/pages</c> (<see cref="Screenshots"/>).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class ResponsiveTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("pages");

    /// <summary>Hash, heading.</summary>
    public static readonly TheoryData<string, string> AllPages = new()
    {
        { "#/parameters/order_stats_30d", "Parameters" },
        { "#/jobs/order_stats_30d", "Jobs" },
        { "#/backtests", "Backtests" },
        { "#/compare", "Compare runs" },
        { "#/parity", "Parity" },
        { "#/offline", "Backfills & slices" },
        { "#/select", "Selection" },
        { "#/events", "Event browser" },
        { "#/publish", "Publish" },
        { "#/catalog", "Catalog" },
        { "#/lineage", "Lineage" },
    };

    /// <summary>The API answering (admin key), slow, down, and answering each other role's key.</summary>
    private static readonly string[] Variants = ["up", "slow", "down", "operator", "reviewer", "author", "reader"];

    public static TheoryData<string, string, int, int, string> Cases()
    {
        var data = new TheoryData<string, string, int, int, string>();
        foreach (var row in AllPages)
        {
            var (hash, heading) = ((string)row[0], (string)row[1]);
            foreach (var (w, hgt) in new[] { (1366, 768), (390, 844) })
            {
                foreach (var variant in Variants)
                {
                    data.Add(hash, heading, w, hgt, variant);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_page_fits_the_screen_and_shows_loading_and_api_down_states(string hash, string heading, int width, int height, string variant)
    {
        Directory.CreateDirectory(Artifacts);
        var role = variant is "operator" or "reviewer" or "author" or "reader" ? variant : "admin";
        var page = await Pages.OpenAsync(host, $"demo-{role}", "#/events");
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync("about:blank");
        var name = $"{hash.TrimStart('#', '/').Replace('/', '-')}-{width}-{variant}";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (variant == "down")
        {
            await page.RouteAsync("**/api/**", route => route.AbortAsync("connectionrefused"));
        }
        else if (variant == "slow")
        {
            await page.RouteAsync("**/api/**", async route =>
            {
                await release.Task;
                try
                {
                    await route.ContinueAsync();
                }
                catch (PlaywrightException)
                {
                    // The page was left and aborted the request.
                }
            });
        }
        await page.GotoAsync("/" + hash); // the key stays in localStorage
        if (variant == "slow")
        {
            await Assertions.Expect(page.Locator("#page-loading")).ToBeVisibleAsync();
            await AssertFitsAsync(page, width);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"{name}-loading.png"), FullPage = true });
            release.SetResult();
        }
        await Assertions.Expect(page.Locator("#page h2").First).ToHaveTextAsync(heading);
        await Assertions.Expect(page.Locator("#page-loading")).ToHaveCountAsync(0);
        if (variant == "down")
        {
            await Assertions.Expect(page.Locator("#page .message.error").First).ToContainTextAsync("unreachable");
            await Assertions.Expect(page.Locator("#page")).Not.ToContainTextAsync("No runs yet");
            await Assertions.Expect(page.Locator("#key-status")).ToHaveTextAsync("API unreachable");
        }
        else
        {
            await Assertions.Expect(page.Locator("#page .message.error")).ToHaveCountAsync(0);
        }
        if (width < 500)
        {
            // The navigation collapses behind the menu button and opens over the page.
            await Assertions.Expect(page.Locator("#main-nav")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#nav-toggle")).ToBeVisibleAsync();
        }
        await AssertFitsAsync(page, width);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"{name}.png"), FullPage = true });
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_menu_opens_at_390_px_and_the_jobs_table_shows_whole_at_1024_px()
    {
        Directory.CreateDirectory(Artifacts);
        var page = await Pages.OpenAsync(host, "demo-admin", "#/jobs");
        await page.SetViewportSizeAsync(390, 844);
        await page.ClickAsync("#nav-toggle");
        await Assertions.Expect(page.Locator("#main-nav")).ToBeVisibleAsync();
        await AssertFitsAsync(page, 390);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "menu-390.png") });
        await page.ClickAsync("#main-nav a[data-page=backtests]");
        await Assertions.Expect(page.Locator("#page h2").First).ToHaveTextAsync("Backtests");
        await Assertions.Expect(page.Locator("#main-nav")).ToBeHiddenAsync();

        await page.SetViewportSizeAsync(1024, 768);
        await page.EvaluateAsync("() => { location.hash = '#/jobs'; }");
        await Assertions.Expect(page.Locator("#jobs-table tbody tr")).ToHaveCountAsync(2);
        var table = await page.EvalOnSelectorAsync<int[]>("#jobs-table", "t => [t.scrollWidth, t.clientWidth]");
        Assert.True(table[0] <= table[1], $"at 1024 px the Jobs table is cut: {table[0]} px wide in a {table[1]} px box");
        await AssertFitsAsync(page, 1024);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "jobs-1024.png"), FullPage = true });
        await page.CloseAsync();
    }

    /// <summary>No horizontal page overflow: the document is no wider than the window.</summary>
    internal static async Task AssertFitsAsync(IPage page, int width)
    {
        var dims = await page.EvaluateAsync<int[]>("() => [document.scrollingElement.scrollWidth, window.innerWidth]");
        if (dims[0] > dims[1])
        {
            // Name the elements that stick out (innermost first) so the failure says what to fix.
            var culprits = await page.EvaluateAsync<string>(@"() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left + e.scrollWidth > window.innerWidth + 1)
                .filter(e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return false; return true; })
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '')
                  + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
                .reverse().slice(0, 12).join('; ')");
            Assert.Fail($"the page is {dims[0]} px wide in a {dims[1]} px window (viewport {width}); sticking out: {culprits}");
        }
    }
}
