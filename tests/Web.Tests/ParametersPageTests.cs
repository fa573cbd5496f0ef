using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FeaturePlatform.Web.Tests;

[Collection(WebCollection.Name)]
public sealed partial class ParametersPageTests(WebHost host)
{
    [Fact]
    public async Task Propose_then_approve_with_another_key_changes_the_jobs_value_and_its_next_outputs()
    {
        var job = host.Registry.Find("order_stats_30d")!.Loaded;
        try
        {
            var page = await Pages.OpenAsync(host, "demo-operator", "#/parameters/order_stats_30d");
            await Assertions.Expect(page.Locator("#definitions-table")).ToContainTextAsync("Orders below this amount are ignored.");
            await Assertions.Expect(page.Locator("[data-param=min_amount]")).ToHaveTextAsync("0");

            // Client-side validation: the bound is explained before anything is sent.
            await page.FillAsync("#propose-min_amount", "-1");
            await page.FillAsync("#propose-reason", "ignore small orders");
            await page.ClickAsync("#propose-form button[type=submit]");
            await Assertions.Expect(page.Locator("#propose-min_amount-error")).ToHaveTextAsync("'min_amount' is below its minimum 0.");

            await page.FillAsync("#propose-min_amount", "150");
            await page.ClickAsync("#propose-form button[type=submit]");
            var created = page.Locator("#param-status .message.ok");
            await Assertions.Expect(created).ToContainTextAsync("a reviewer must approve it");
            var id = ProposalId().Match(await created.TextContentAsync() ?? "").Groups[1].Value;
            Assert.NotEmpty(id);
            Assert.Equal(0.0, job.Parameters["min_amount"]);

            // The proposer cannot approve its own change: the server's ProblemDetails is shown. (An operator key has no
            // reviewer role, so the refusal is a 403 either way.)
            await page.Locator($"[data-proposal='{id}'] button", new() { HasText = "Approve" }).ClickAsync();
            await Assertions.Expect(page.Locator("#param-status .message.error")).ToContainTextAsync("HTTP 403");

            await Pages.UseKeyAsync(page, "demo-reviewer");
            await page.Locator($"[data-proposal='{id}'] button", new() { HasText = "Approve" }).ClickAsync();
            await Assertions.Expect(page.Locator("#param-status .message.ok")).ToContainTextAsync("approved and applied");
            await Assertions.Expect(page.Locator("[data-param=min_amount]")).ToHaveTextAsync("150");
            var history = page.Locator("#history-table tbody tr").First;
            await Assertions.Expect(history).ToContainTextAsync("Approved");
            await Assertions.Expect(history).ToContainTextAsync("demo-operator");
            await Assertions.Expect(history).ToContainTextAsync("demo-reviewer");
            Assert.Equal(150.0, job.Parameters["min_amount"]);

            // The job's next outputs use the new value: an order of 100 is now ignored, one of 200 counts.
            var (user, t0) = await Orders.PostAsync(host, 2021, 100, 200);
            using var author = host.Client("demo-author");
            using var launch = await author.PostAsJsonAsync("/api/backtests", new { job = "order_stats_30d", from = t0, to = t0 + 2 * Orders.Day });
            var run = (await launch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            await Poll.UntilAsync(async () => (await author.GetFromJsonAsync<JsonElement>($"/api/backtests/{run}")).GetProperty("isFinished").GetBoolean(),
                TimeSpan.FromSeconds(30), "backtest finished");
            var rows = (await author.GetFromJsonAsync<JsonElement>($"/api/backtests/{run}/results")).GetProperty("rows").EnumerateArray()
                .Where(r => r.GetProperty("key").GetString() == user).OrderBy(r => r.GetProperty("eventTime").GetInt64())
                .Select(r => r.GetProperty("values").GetProperty("order_count").GetInt64()).ToList();
            Assert.Equal([0L, 1L], rows);
            await page.CloseAsync();
        }
        finally
        {
            await job.SetParametersAsync(new Dictionary<string, object?>());
        }
    }

    [GeneratedRegex(@"Proposal (\S+) created")]
    private static partial Regex ProposalId();
}
