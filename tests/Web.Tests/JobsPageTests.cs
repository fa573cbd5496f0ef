using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class JobsPageTests(WebHost host)
{
    [Fact]
    public async Task The_jobs_dashboard_lists_jobs_with_watermarks_and_an_admin_disables_and_enables_one()
    {
        await Orders.PostAsync(host, 1991, 10);
        var page = await Pages.OpenAsync(host, "demo-admin", "#/jobs");
        var row = page.Locator("#jobs-table tbody tr", new() { HasText = "order_stats_30d" });
        await Assertions.Expect(row).ToContainTextAsync("enabled");
        await Assertions.Expect(row).ToContainTextAsync("fetch_strong");
        await Assertions.Expect(row).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"orders: \d{4}-\d\d-\d\d"));
        await Assertions.Expect(page.Locator("#jobs-table tbody tr")).ToHaveCountAsync(2);
        // The runtime measures the lag (caught up once the orders ran) and the throughput.
        await Assertions.Expect(row.Locator(".lag")).ToContainTextAsync(" s");
        await Assertions.Expect(row).ToContainTextAsync("ev/s");
        // Throughput sparkline, late events, last output.
        await Assertions.Expect(row.Locator("svg.sparkline")).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".late")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9,]+$"));
        await Assertions.Expect(row.Locator(".last-output")).ToBeVisibleAsync();
        // The job ran in its own worker process: its lane (workers, queue, busy time) shows.
        await Assertions.Expect(row.Locator(".queue")).ToHaveTextAsync("0");

        await row.Locator("a").ClickAsync();
        var detail = page.Locator("#job-detail");
        await Assertions.Expect(detail).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Job order_stats_30d \(version [0-9a-f]{16}\)"));
        await Assertions.Expect(detail).ToContainTextAsync("Orders in the window, the triggering one included.");
        try
        {
            // Disabling asks first: cancelled, nothing changes.
            await detail.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync("Disable job order_stats_30d?");
            await page.ClickAsync("#confirm-cancel");
            await Assertions.Expect(page.Locator("#confirm-dialog")).ToHaveCountAsync(0);
            Assert.True(host.Registry.Find("order_stats_30d")!.Enabled);
            await detail.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await page.ClickAsync("#confirm-ok");
            // The dashboard refreshes itself: the new state shows without reloading.
            await Assertions.Expect(row).ToContainTextAsync("disabled");
            Assert.False(host.Registry.Find("order_stats_30d")!.Enabled);
            await detail.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(row).Not.ToContainTextAsync("disabled");
        }
        finally
        {
            host.Registry.Find("order_stats_30d")!.Enabled = true;
        }
        await page.CloseAsync();
    }
}

[Collection(WebCollection.Name)]
public sealed class JobErrorsPageTests(WebHost host)
{
    [Fact]
    public async Task A_failing_event_shows_as_an_error_count_and_a_record_with_its_traceback()
    {
        var user = $"u-{Guid.NewGuid():N}";
        var t0 = new DateTimeOffset(1976, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() + Random.Shared.NextInt64(0, 3600) * Orders.Day;
        await host.ForwardAndWaitAsync("orders", user, new[] { new { order_id = $"{user}-bad", user_id = user, created_at = t0, amount = "not a number" } });
        // The running job fails on it; the dashboard refreshes itself until the record shows.
        var page = await Pages.OpenAsync(host, "demo-reader", "#/jobs/order_stats_30d");
        var record = page.Locator("#errors-table tbody tr", new() { HasText = user }).First;
        await Assertions.Expect(record).ToContainTextAsync("FieldTypeError", new() { Timeout = 30_000 });
        var errorsCell = page.Locator("#jobs-table tbody tr", new() { HasText = "order_stats_30d" }).Locator(".errors");
        await Assertions.Expect(errorsCell).Not.ToHaveTextAsync("0");
        await record.Locator("summary").ClickAsync();
        await Assertions.Expect(record.Locator("pre")).ToBeVisibleAsync();
        await Assertions.Expect(record.Locator("pre")).ToContainTextAsync("order_stats_30d.py");
        // Still open after the next automatic refresh.
        var before = await page.Locator("#updated").TextContentAsync();
        await Assertions.Expect(page.Locator("#updated")).Not.ToHaveTextAsync(before!, new() { Timeout = 10_000 });
        await Assertions.Expect(record.Locator("pre")).ToBeVisibleAsync();
        await page.CloseAsync();
    }
}

[Collection(WebCollection.Name)]
public sealed class QuarantinePageTests(WebHost host)
{
    [Fact]
    public async Task A_quarantined_event_shows_with_its_count_and_an_admin_retries_it_at_a_narrow_width()
    {
        var user = $"u-{Guid.NewGuid():N}";
        var t0 = new DateTimeOffset(1977, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() + Random.Shared.NextInt64(0, 3600) * Orders.Day;
        await host.ForwardAndWaitAsync("orders", user, new[] { new { order_id = $"{user}-bad", user_id = user, created_at = t0, amount = "abc" } });
        var page = await Pages.OpenAsync(host, "demo-admin", "#/jobs/order_stats_30d");
        await page.SetViewportSizeAsync(360, 740);
        var entry = page.Locator("#quarantine-table tbody tr", new() { HasText = $"{user}-bad" });
        await Assertions.Expect(entry).ToContainTextAsync("FieldTypeError", new() { Timeout = 60_000 });
        await Assertions.Expect(entry.Locator("td.num").First).ToHaveTextAsync("3");
        var count = page.Locator("#jobs-table tbody tr", new() { HasText = "order_stats_30d" }).Locator(".quarantined");
        await Assertions.Expect(count).Not.ToHaveTextAsync("0");
        var retry = entry.GetByRole(AriaRole.Button, new() { Name = "Retry" });
        await retry.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(retry).ToBeVisibleAsync();
        await retry.ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync($"Retry event {user}-bad?");
        await page.ClickAsync("#confirm-ok");
        // The value is still bad: the retry fails again and the entry stays, with the new attempts.
        await Assertions.Expect(page.Locator(".message.error")).ToContainTextAsync($"{user}-bad failed again");
        await Assertions.Expect(entry.Locator("td.num").First).ToHaveTextAsync("6");
        await page.CloseAsync();
    }
}
