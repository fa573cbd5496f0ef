using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The UI when the API is slow or down (requests held or aborted with <c>page.route</c>): a page left mid-load never
/// shows over the next one, a loading state shows while a page loads, and with the API unreachable the pages say so —
/// Backtests does not claim "No runs yet", Jobs keeps its table (marked stale), the key badge turns from the user to
/// "API unreachable" and back. Screenshots in <c>tests/Web.Tests/TestResults/screenshots/ux</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SlowApiTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("ux");

    [Fact]
    public async Task A_page_left_mid_load_does_not_stack_over_the_next_and_a_loading_state_shows()
    {
        Directory.CreateDirectory(Artifacts);
        var page = await Pages.OpenAsync(host, "demo-author", "#/events", "demo-author");
        await Assertions.Expect(page.Locator("#page h2").First).ToHaveTextAsync("Event browser");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobsFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backtestsRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.RequestFailed += (_, r) => { if (r.Url.EndsWith("/api/jobs", StringComparison.Ordinal)) jobsFailed.TrySetResult(); };
        page.Request += (_, r) => { if (r.Url.EndsWith("/api/backtests", StringComparison.Ordinal)) backtestsRequested.TrySetResult(); };
        // The Backtests page's first load (its job list) is held until the test lets it go.
        await page.RouteAsync("**/api/jobs", async route =>
        {
            held.TrySetResult();
            await release.Task;
            try
            {
                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The page aborted the request (it was left): nothing to continue.
            }
        });
        await page.EvaluateAsync("() => { location.hash = '#/backtests'; }");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Assertions.Expect(page.Locator("#page-loading")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#page-loading")).ToHaveTextAsync("Loading…");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "1-loading.png"), FullPage = true });

        // Leave it for the event browser, then let the held answer arrive.
        await page.EvaluateAsync("() => { location.hash = '#/events'; }");
        await Assertions.Expect(page.Locator("#page h2").First).ToHaveTextAsync("Event browser");
        release.SetResult();
        // The left page has given up (its request aborted) or, were it still running, has rendered and gone on to list its runs.
        await Task.WhenAny(jobsFailed.Task, backtestsRequested.Task).WaitAsync(TimeSpan.FromSeconds(30));
        await Assertions.Expect(page.Locator("#page h2")).ToHaveTextAsync(["Event browser", "Feature look-up"]);
        await Assertions.Expect(page.Locator("#range-form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#page-loading")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "2-left-mid-load.png"), FullPage = true });
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await page.CloseAsync();
    }

    [Fact]
    public async Task With_the_api_down_pages_say_it_is_unreachable_keep_what_they_showed_and_recover()
    {
        Directory.CreateDirectory(Artifacts);
        await Orders.PostAsync(host, 1993, 10);
        var page = await Pages.OpenAsync(host, "demo-operator", "#/jobs", "demo-operator");
        var rows = page.Locator("#jobs-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#key-status")).ToHaveClassAsync("ok");

        await page.RouteAsync("**/api/**", route => route.AbortAsync("connectionrefused"));
        // The next refresh fails: the table stays (stale) with the reason; the badge is no longer the user.
        await Assertions.Expect(page.Locator("#jobs-connection")).ToContainTextAsync("The API is unreachable");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#jobs")).ToHaveClassAsync("stale");
        await Assertions.Expect(page.Locator("#key-status")).ToHaveTextAsync("API unreachable");
        await Assertions.Expect(page.Locator("#key-status")).ToHaveClassAsync("error");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "3-jobs-api-down.png"), FullPage = true });

        await page.EvaluateAsync("() => { location.hash = '#/backtests'; }");
        await Assertions.Expect(page.Locator("#runs-error")).ToContainTextAsync("Runs could not be loaded: The API is unreachable");
        await Assertions.Expect(page.Locator("#runs")).Not.ToContainTextAsync("No runs yet");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "4-backtests-api-down.png"), FullPage = true });

        // Back up: the Jobs page and the badge recover by themselves.
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await page.EvaluateAsync("() => { location.hash = '#/jobs'; }");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#jobs-connection")).ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#jobs")).Not.ToHaveClassAsync("stale");
        await Assertions.Expect(page.Locator("#key-status")).ToContainTextAsync("demo-operator");
        await Assertions.Expect(page.Locator("#key-status")).ToHaveClassAsync("ok");
        await page.CloseAsync();
    }
}
