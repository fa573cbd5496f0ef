using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

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

            // An operator cannot approve: no Approve button, a note says which role can.
            await Assertions.Expect(page.Locator($"[data-proposal='{id}'] button", new() { HasText = "Approve" })).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#review-note")).ToContainTextAsync("needs a reviewer or admin key");

            // A reviewer sees no propose form; approving asks first, then applies.
            await Pages.UseKeyAsync(page, "demo-reviewer");
            await Assertions.Expect(page.Locator("#propose-form")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#propose-note")).ToContainTextAsync("needs an operator or admin key");
            await page.Locator($"[data-proposal='{id}'] button", new() { HasText = "Approve" }).ClickAsync();
            await Assertions.Expect(page.Locator("#confirm-dialog")).ToContainTextAsync("min_amount = 150");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#param-status .message.ok")).ToContainTextAsync("approved and applied");
            await Assertions.Expect(page.Locator("[data-param=min_amount]")).ToHaveTextAsync("150");
            // An admin (who may propose) sees the new current value in the form.
            await Pages.UseKeyAsync(page, "demo-admin");
            await Assertions.Expect(page.Locator("#propose-min_amount")).ToHaveAttributeAsync("placeholder", "(unchanged) current 150");
            var history = page.Locator("#history-table tbody tr").First;
            await Assertions.Expect(history).ToContainTextAsync("Approved");
            await Assertions.Expect(history).ToContainTextAsync("demo-operator");
            await Assertions.Expect(history).ToContainTextAsync("demo-reviewer");
            await Poll.UntilAsync(() => Task.FromResult(Equals(job.Parameters["min_amount"], 150.0)), TimeSpan.FromSeconds(10), "the running job has min_amount 150");

            // The running job's next outputs use the new value: of orders of 100 and 200, only the second counts.
            var (user, _) = await Orders.PostAsync(host, 1977, 100, 200);
            await Pages.UseKeyAsync(page, "demo-reader");
            await page.GotoAsync("/#/events");
            await page.FillAsync("#ft-job", "order_stats_30d");
            await page.FillAsync("#ft-key", user);
            await Poll.UntilAsync(async () =>
            {
                await page.ClickAsync("#feature-form button[type=submit]");
                await Assertions.Expect(page.Locator("#ft-result > *").First).ToBeVisibleAsync();
                return (await page.Locator("#ft-result").TextContentAsync() ?? "").Contains($"{user}-1", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), "the live job's output for the second order");
            var table = page.Locator("#ft-table");
            await Assertions.Expect(table.Locator("tr", new() { HasText = "order_count" }).Locator("td").Nth(1)).ToHaveTextAsync("1");
            await Assertions.Expect(table.Locator("tr", new() { HasText = "order_amount" }).First.Locator("td").Nth(1)).ToHaveTextAsync("200");
            await page.CloseAsync();
        }
        finally
        {
            // Back to the default through the shared store, and wait until the running job has it again.
            await host.Services.GetRequiredService<IParameterStore>().SetAsync("order_stats_30d", new Dictionary<string, object?> { ["min_amount"] = 0.0 }, "test", "reset");
            await Poll.UntilAsync(() => Task.FromResult(Equals(job.Parameters["min_amount"], 0.0)), TimeSpan.FromSeconds(10), "min_amount reset");
        }
    }

    [Fact]
    public async Task Backtest_this_proposal_replays_with_the_proposed_values_and_leaves_the_job_alone()
    {
        var job = host.Registry.Find("order_stats_30d")!.Loaded;
        // Orders of 100 and 200: with the job's values (min_amount 0) both count, with the proposal's 150 only the second.
        var (user, t0) = await Orders.PostAsync(host, 1991, 100, 200);
        var page = await Pages.OpenAsync(host, "demo-operator", "#/parameters/order_stats_30d");
        await page.FillAsync("#propose-min_amount", "150");
        await page.FillAsync("#propose-reason", "ignore small orders (what-if)");
        await page.ClickAsync("#propose-form button[type=submit]");
        var created = page.Locator("#param-status .message.ok");
        await Assertions.Expect(created).ToContainTextAsync("a reviewer must approve it");
        var id = ProposalId().Match(await created.TextContentAsync() ?? "").Groups[1].Value;
        Assert.NotEmpty(id);

        // The reviewer judges it before approving: the button replays the range with the proposal's values.
        await Pages.UseKeyAsync(page, "demo-reviewer");
        await page.FillAsync("#bt-proposal-from", Orders.Local(t0 - Orders.Day));
        await page.FillAsync("#bt-proposal-to", Orders.Local(t0 + 2 * Orders.Day));
        await page.ClickAsync($"[data-backtest='{id}']");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/backtests/run-"));
        await Assertions.Expect(page.Locator("#run-state")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#results-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#results-table")).ToContainTextAsync(user);
        var amount = page.Locator("#summary-table tbody tr").Filter(new() { Has = page.Locator("td:first-child code", new() { HasTextRegex = new Regex("^order_amount$") }) });
        await Assertions.Expect(amount.Locator("td")).ToHaveTextAsync(["order_amount", "2", "0", "0", "200", "100", ""]);
        Assert.Equal(0.0, job.Parameters["min_amount"]); // a what-if run changes nothing live

        // Leave no pending proposal behind.
        await page.GotoAsync("/#/parameters/order_stats_30d");
        var row = page.Locator($"[data-proposal='{id}']");
        await row.Locator("input").FillAsync("what-if only");
        await row.Locator("button", new() { HasText = "Reject" }).ClickAsync();
        await Assertions.Expect(page.Locator("#param-status .message.ok")).ToContainTextAsync("rejected");
        await page.CloseAsync();
    }

    [GeneratedRegex(@"Proposal (\S+) created")]
    private static partial Regex ProposalId();
}
