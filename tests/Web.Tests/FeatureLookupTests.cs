using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class FeatureLookupTests(WebHost host)
{
    [Fact]
    public async Task The_event_browser_looks_up_a_users_features_written_by_a_backfill()
    {
        var (user, t0) = await Orders.PostAsync(host, 2031, 40, 60);
        // A backfill: the job replayed over the range into the host's feature store.
        var errors = new JobErrorLog(host.Services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot));
        await errors.EnsureTableAsync();
        var features = host.Services.GetRequiredService<FeatureStore>();
        await using (var runs = new RunManager(host.Registry, host.Services.GetRequiredService<IEventReader>(), host.DataSource, errors, defaultOutputs: _ => [features]))
        {
            var id = await runs.StartAsync(new RunRequest { Job = "order_stats_30d", Input = new TimeRangeInput(t0, t0 + 2 * Orders.Day) });
            Assert.Equal(RunState.Completed, (await runs.WaitAsync(id))!.State);
        }

        var page = await Pages.OpenAsync(host, "demo-reader", "#/events");
        await page.FillAsync("#ft-job", "order_stats_30d");
        await page.FillAsync("#ft-key", user);
        await page.ClickAsync("#feature-form button[type=submit]");
        var table = page.Locator("#ft-table");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "order_count" }).Locator("td").Nth(1)).ToHaveTextAsync("2");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "avg_order_amount" }).Locator("td").Nth(1)).ToHaveTextAsync("50");
        await Assertions.Expect(page.Locator("#ft-result")).ToContainTextAsync($"{user}-1");

        await page.FillAsync("#ft-key", "nobody-" + user);
        await page.ClickAsync("#feature-form button[type=submit]");
        await Assertions.Expect(page.Locator("#ft-result .message.error")).ToContainTextAsync("has no features for key");
        await page.CloseAsync();
    }
}
