using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The UI shows each key only the controls its roles may use (from <c>GET /api/me</c>'s policies): an operator proposes
/// but sees no Approve/Reject, a reviewer approves but sees no propose form, a reader sees no write control at all; only
/// an admin enables, disables and retries. Each role at 1366×768 and 390×844, without horizontal overflow; screenshots
/// in <c>tests/Web.Tests/TestResults/screenshots/roles</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class RoleControlsTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("roles");

    public static TheoryData<string, int, int> Cases() => new()
    {
        { "demo-operator", 1366, 768 }, { "demo-operator", 390, 844 },
        { "demo-reviewer", 1366, 768 }, { "demo-reviewer", 390, 844 },
        { "demo-reader", 1366, 768 }, { "demo-reader", 390, 844 },
        { "demo-admin", 1366, 768 }, { "demo-admin", 390, 844 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_sees_only_the_controls_it_may_use(string key, int width, int height)
    {
        Directory.CreateDirectory(Artifacts);
        var role = key["demo-".Length..];
        bool operate = role is "operator" or "admin", review = role is "reviewer" or "admin", admin = role == "admin";
        bool backtest = role != "reader", author = role == "admin", forward = role is "operator" or "admin";
        using var op = host.Client("demo-operator");
        using var created = await op.PostAsJsonAsync("/api/jobs/order_stats_30d/parameters/proposals",
            new { values = new { min_amount = 5.0 }, reason = $"role test {Guid.NewGuid():N}" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var proposal = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var page = await Pages.OpenAsync(host, key, "#/events");
        await page.SetViewportSizeAsync(width, height);
        try
        {
            await page.EvaluateAsync("() => { location.hash = '#/parameters/order_stats_30d'; }");
            var row = page.Locator($"#queue-table tbody tr", new() { HasText = proposal });
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await ExpectShownAsync(page.Locator("#propose-form"), operate);
            await ExpectShownAsync(page.Locator("#propose-note"), !operate);
            await ExpectShownAsync(row.Locator("button", new() { HasText = "Approve" }), review);
            await ExpectShownAsync(row.Locator("button", new() { HasText = "Reject" }), review);
            await ExpectShownAsync(row.Locator($"[data-backtest='{proposal}']"), backtest);
            await ResponsiveTests.AssertFitsAsync(page, width);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"parameters-{role}-{width}.png"), FullPage = true });

            await page.EvaluateAsync("() => { location.hash = '#/jobs/order_stats_30d'; }");
            await Assertions.Expect(page.Locator("#job-detail h3").First).ToContainTextAsync("Job order_stats_30d");
            await ExpectShownAsync(page.Locator("#job-detail button", new() { HasText = "Disable" }), admin);
            if (!admin)
            {
                await Assertions.Expect(page.Locator("#job-detail")).ToContainTextAsync($"Enabling or disabling needs an admin key (your key: {role}).");
            }
            await ResponsiveTests.AssertFitsAsync(page, width);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"jobs-{role}-{width}.png"), FullPage = true });

            await page.EvaluateAsync("() => { location.hash = '#/backtests'; }");
            await Assertions.Expect(page.Locator("#page h2").First).ToHaveTextAsync("Backtests");
            await ExpectShownAsync(page.Locator("#range-form"), author);
            await ExpectShownAsync(page.Locator("#launch-note"), !author);

            await page.EvaluateAsync("() => { location.hash = '#/publish'; }");
            await Assertions.Expect(page.Locator("#pub-live")).ToBeVisibleAsync();
            await ExpectShownAsync(page.Locator("#pub-form"), author);
            await ExpectShownAsync(page.Locator("#pub-retire"), forward);
            await ResponsiveTests.AssertFitsAsync(page, width);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"publish-{role}-{width}.png"), FullPage = true });

            await page.EvaluateAsync("() => { location.hash = '#/parity'; }");
            await Assertions.Expect(page.Locator("#parity-form")).ToBeVisibleAsync();
            await ExpectShownAsync(page.Locator("#pc-correct"), operate);
        }
        finally
        {
            using var reviewer = host.Client("demo-reviewer");
            using var rejected = await reviewer.PostAsJsonAsync($"/api/jobs/order_stats_30d/parameters/proposals/{proposal}/reject", new { reason = "role test only" });
            Assert.True(rejected.IsSuccessStatusCode, await rejected.Content.ReadAsStringAsync());
            await page.CloseAsync();
        }
    }

    private static Task ExpectShownAsync(ILocator locator, bool shown) =>
        shown ? Assertions.Expect(locator).ToBeVisibleAsync() : Assertions.Expect(locator).ToHaveCountAsync(0);
}
