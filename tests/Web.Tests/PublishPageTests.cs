using FeaturePlatform.Runtime.Repair;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The authors' publishing page, walked in Chromium: a broken upload is refused naming file and line; a good v2 is
/// backtested against live (per-feature shift table), approved by another reviewer, promoted (the runtime then runs it)
/// and rolled back; the job is retired (the runtime stops it) and brought back; a standard scenario is copied into a
/// draft of a new job. A screenshot of each step is kept under <c>tests/Web.Tests/TestResults/screenshots/publishing</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class PublishPageTests(WebHost host)
{
    private const string Job = "order_stats_30d";
    private static readonly string Artifacts = Screenshots.Dir("publishing");

    [Fact]
    public async Task An_author_publishes_backtests_gets_approval_promotes_and_rolls_back_in_the_browser()
    {
        var registered = host.Registry.Find(Job)!;
        var v1 = registered.Version;
        var source = await File.ReadAllTextAsync(registered.DirectoryModule.Path);
        var (user, t0) = await Orders.PostAsync(host, 2015, 100, 200);
        var results = host.Services.GetRequiredService<ResultLog>();
        await Poll.UntilAsync(async () => (await results.GetAsync(Job, [("orders", $"{user}-0"), ("orders", $"{user}-1")])).Count == 2, TimeSpan.FromSeconds(60),
            "live to compute the orders");
        Directory.CreateDirectory(Artifacts);
        var page = await Pages.OpenAsync(host, "demo-author", "#/publish");
        await page.SetViewportSizeAsync(1366, 768);
        try
        {
            await page.SelectOptionAsync("#job", Job);
            await Assertions.Expect(page.Locator("#pub-table")).ToContainTextAsync(v1);

            // A broken module: the page shows the file and line.
            var brokenLine = source.TrimEnd('\n').Split('\n').Length + 2;
            await UploadAsync(page, source.TrimEnd('\n') + "\n\nraise RuntimeError('not configured')\n", "broken");
            await Assertions.Expect(page.Locator("#pub-status .message.error")).ToContainTextAsync($"{Job}.py:{brokenLine}: RuntimeError");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "1-broken.png"), FullPage = true });

            // A good v2.
            await UploadAsync(page, source + "\n# v2: same logic, new version (web test)\n", "v2 from the browser");
            await Assertions.Expect(page.Locator("#pub-status .message.ok")).ToContainTextAsync("validated");
            var row = page.Locator("#pub-table tbody tr", new() { HasText = "v2 from the browser" });
            var v2 = await row.GetAttributeAsync("data-version");
            Assert.NotNull(v2);
            Assert.NotEqual(v1, v2);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "2-validated.png"), FullPage = true });

            await page.FillAsync("#pub-from", Orders.Local(t0));
            await page.FillAsync("#pub-to", Orders.Local(t0 + 3 * Orders.Day));
            await row.Locator("[data-action=backtest]").ClickAsync();
            await Assertions.Expect(page.Locator("#pub-rows-changed")).ToContainTextAsync("0 rows changed of ");
            await Assertions.Expect(row).ToContainTextAsync("Backtested");
            // Each feature's distribution on both sides over every compared row, with PSI and KS.
            await Assertions.Expect(page.Locator("#pub-shift")).ToContainTextAsync("order_count");
            await Assertions.Expect(page.Locator("#pub-shift thead")).ToContainTextAsync("PSI");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "3-backtested.png"), FullPage = true });

            // The author cannot approve; a reviewer can.
            await Pages.UseKeyAsync(page, "demo-reviewer");
            await page.SelectOptionAsync("#job", Job);
            await Assertions.Expect(page.Locator("#pub-form")).ToHaveCountAsync(0); // a reviewer does not publish
            await Assertions.Expect(page.Locator("#pub-table [data-action=promote]")).ToHaveCountAsync(0);
            await page.Locator("#pub-table tbody tr", new() { HasText = "v2 from the browser" }).Locator("[data-action=approve]").ClickAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#pub-table tbody tr", new() { HasText = "v2 from the browser" })).ToContainTextAsync("Approved");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "4-approved.png"), FullPage = true });

            // Promote: the runtime runs v2.
            await Pages.UseKeyAsync(page, "demo-author");
            await page.SelectOptionAsync("#job", Job);
            await Assertions.Expect(page.Locator("#pub-table [data-action=approve]")).ToHaveCountAsync(0); // an author does not approve
            await page.Locator("#pub-table tbody tr", new() { HasText = "v2 from the browser" }).Locator("[data-action=promote]").ClickAsync();
            await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync("Every runtime process runs it");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#pub-live")).ToContainTextAsync($"Live: {v2}");
            await Poll.UntilAsync(() => Task.FromResult(registered.Version == v2), TimeSpan.FromSeconds(30), "the runtime to run v2");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "5-live.png"), FullPage = true });

            // Roll back to v1.
            await page.Locator($"#pub-table tbody tr[data-version='{v1}']").Locator("[data-action=rollback]").ClickAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#pub-live")).ToContainTextAsync($"Live: {v1}");
            await Poll.UntilAsync(() => Task.FromResult(registered.Version == v1), TimeSpan.FromSeconds(30), "the runtime to run v1 again");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "6-rolled-back.png"), FullPage = true });

            // Retire the job: the runtime stops it; rolling back to its version brings it back.
            await page.ClickAsync("#pub-retire");
            await Assertions.Expect(page.Locator("#confirm-ok")).ToBeDisabledAsync(); // a reason is required
            await page.FillAsync("#confirm-reason", "retired by the web test");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#pub-live")).ToContainTextAsync("Retired");
            await Poll.UntilAsync(() => Task.FromResult(registered.Retired), TimeSpan.FromSeconds(30), "the runtime to retire the job");
            await Assertions.Expect(page.Locator($"#pub-table tbody tr[data-version='{v1}']")).ToContainTextAsync("Retired");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "7-retired.png"), FullPage = true });
            await page.Locator($"#pub-table tbody tr[data-version='{v1}']").Locator("[data-action=rollback]").ClickAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#pub-live")).ToContainTextAsync($"Live: {v1}");
            await Poll.UntilAsync(() => Task.FromResult(!registered.Retired && registered.Version == v1), TimeSpan.FromSeconds(30), "the runtime to run v1 again");

            // A standard scenario copied into a draft of a new job.
            await page.SelectOptionAsync("#scn-name", "windowed_sum");
            await page.FillAsync("#scn-job", "web_window");
            await page.FillAsync("#scn-source", "orders");
            await page.FillAsync("#scn-field", "amount");
            await page.ClickAsync("#scn-create");
            await Assertions.Expect(page.Locator("#pub-status .message.ok")).ToContainTextAsync("created from scenario windowed_sum");
            await Assertions.Expect(page.Locator("#pub-table tbody tr", new() { HasText = "from scenario windowed_sum" })).ToContainTextAsync("Validated");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "8-scenario.png"), FullPage = true });

            // At a phone's width the page fits.
            await page.SetViewportSizeAsync(360, 740);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "9-narrow.png"), FullPage = true });
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 360 px screen");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static async Task UploadAsync(IPage page, string module, string message)
    {
        await page.SetInputFilesAsync("#pub-file", new FilePayload { Name = $"{Job}.py", MimeType = "text/x-python", Buffer = System.Text.Encoding.UTF8.GetBytes(module) });
        await page.FillAsync("#pub-message", message);
        await page.ClickAsync("#pub-submit");
    }
}
