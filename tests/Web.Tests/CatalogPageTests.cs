using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Web.Tests;

/// <summary>
/// The catalog and lineage pages in Chromium against the real host with the example jobs, and the lineage API's edges
/// for them. Screenshots (1366 px and 390 px wide) are kept under <c>tests/Web.Tests/TestResults/screenshots/catalog</c>.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class CatalogPageTests(WebHost host)
{
    private static readonly string Artifacts = Screenshots.Dir("catalog");

    [Fact]
    public async Task The_lineage_of_the_example_jobs_has_exactly_their_declared_edges()
    {
        using var reader = host.Client("demo-reader");
        var graph = await reader.GetFromJsonAsync<JsonElement>("/api/catalog/lineage");
        var edges = graph.GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("from").GetString()!, e.GetProperty("to").GetString()!, e.GetProperty("kind").GetString()!)).ToHashSet();
        (string, string, string)[] expected =
        [
            ("source:orders", "job:order_stats_30d", "trigger"),
            ("source:user_profile", "job:order_stats_30d", "read"),
            ("job:order_stats_30d", "output:order_stats_30d/FeatureStore/0", "writes"),
            .. new[] { "user_id", "order_count", "order_amount", "avg_order_amount", "user_tier", "account_age_days" }
                .Select(c => ("job:order_stats_30d", $"feature:order_stats_30d.{c}", "produces")),
            ("source:loan_applications", "job:repayment_risk", "trigger"),
            ("source:repayments", "job:repayment_risk", "read"),
            ("source:credit_profile", "job:repayment_risk", "read"),
            ("job:repayment_risk", "output:repayment_risk/FeatureStore/0", "writes"),
            .. new[] { "application_id", "late_repayments", "debt_to_income", "risk_score", "decision" }
                .Select(c => ("job:repayment_risk", $"feature:repayment_risk.{c}", "produces")),
        ];
        Assert.Equal(expected.ToHashSet(), edges);
        var nodes = graph.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToHashSet();
        Assert.Contains("source:orders", nodes);
        Assert.All(edges, e => Assert.True(nodes.Contains(e.Item1) && nodes.Contains(e.Item2), $"edge {e} has both ends as nodes"));

        // Focused on a source: only what is connected to it.
        var focused = await reader.GetFromJsonAsync<JsonElement>("/api/catalog/lineage?focus=source:user_profile");
        var focusedNodes = focused.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToHashSet();
        Assert.Contains("job:order_stats_30d", focusedNodes);
        Assert.Contains("feature:order_stats_30d.order_count", focusedNodes);
        Assert.DoesNotContain("job:repayment_risk", focusedNodes);

        // Jobs list their reads and versions; search finds names.
        var jobs = await reader.GetFromJsonAsync<JsonElement>("/api/catalog/jobs");
        var orderStats = jobs.EnumerateArray().Single(j => j.GetProperty("name").GetString() == "order_stats_30d");
        Assert.Equal(["orders", "user_profile"], orderStats.GetProperty("reads").EnumerateArray().Select(r => r.GetString()));
        var hits = await reader.GetFromJsonAsync<JsonElement>("/api/catalog/search?q=risk_score");
        Assert.Equal("feature", hits[0].GetProperty("kind").GetString());
        Assert.Equal("repayment_risk.risk_score", hits[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_catalog_page_searches_shows_a_sources_observed_schema_and_draws_the_lineage_at_desktop_and_phone_widths()
    {
        Directory.CreateDirectory(Artifacts);
        var user = "catalog-" + Guid.NewGuid().ToString("N")[..8];
        await host.ForwardAndWaitAsync("orders", user, new[]
        {
            new { order_id = user + "-1", user_id = user, created_at = 1767225600000, amount = 12.5, coupon = (string?)null },
            new { order_id = user + "-2", user_id = user, created_at = 1767225600100, amount = 3.0, coupon = (string?)"SPRING" },
        }, 2);
        var page = await Pages.OpenAsync(host, "demo-reader", "#/catalog");
        try
        {
            await page.SetViewportSizeAsync(1366, 900);
            await Assertions.Expect(page.Locator("#catalog-sources")).ToContainTextAsync("loan_applications");
            await Assertions.Expect(page.Locator("#catalog-jobs")).ToContainTextAsync("order_stats_30d");
            await page.FillAsync("#catalog-search", "amount");
            await page.ClickAsync("#catalog-search-form button[type=submit]");
            await Assertions.Expect(page.Locator("#catalog-hits")).ToContainTextAsync("order_stats_30d.order_amount");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "1-catalog-1366.png"), FullPage = true });

            // The source's observed schema appears once ingestion's observations are merged (every 2 s by default).
            await page.ClickAsync("#catalog-sources a:text-is('orders')");
            await Assertions.Expect(page.Locator("#source-name")).ToHaveTextAsync("orders");
            await Poll.UntilAsync(async () =>
            {
                await page.ReloadAsync();
                return await page.Locator("#observed-schema").CountAsync() == 1 && (await page.Locator("#observed-schema").InnerTextAsync()).Contains("coupon", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), "the observed schema of orders shows the coupon field");
            var coupon = page.Locator("#observed-schema tr", new() { HasText = "coupon" });
            await Assertions.Expect(coupon).ToContainTextAsync("string");
            await Assertions.Expect(coupon).ToContainTextAsync("\"SPRING\"");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "2-source-orders-1366.png"), FullPage = true });

            // The lineage picture: nodes and the edges the jobs declare, readable at 1366 px.
            await page.GotoAsync("/#/lineage");
            var svg = page.Locator("#lineage-graph svg.lineage");
            await Assertions.Expect(svg).ToBeVisibleAsync();
            await Assertions.Expect(svg.Locator("path.edge[data-from='source:orders'][data-to='job:order_stats_30d'][data-kind='trigger']")).ToHaveCountAsync(1);
            await Assertions.Expect(svg.Locator("path.edge[data-from='source:user_profile'][data-to='job:order_stats_30d'][data-kind='read']")).ToHaveCountAsync(1);
            await Assertions.Expect(svg.Locator("a.node[data-id='feature:repayment_risk.risk_score'] text")).ToHaveTextAsync("repayment_risk.risk_score");
            Assert.True(await SvgWidthAsync(page) <= 1366, "the graph fits a 1366 px screen");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "3-lineage-1366.png"), FullPage = true });

            // Focus on a node by choosing it.
            await svg.Locator("a.node[data-id='source:user_profile']").ClickAsync();
            await Assertions.Expect(page.Locator("h2")).ToHaveTextAsync("Lineage of source:user_profile");
            await Assertions.Expect(page.Locator("#lineage-graph a.node[data-id='job:repayment_risk']")).ToHaveCountAsync(0);

            // A phone: the graph is laid out top to bottom, fits the width, and labels stay full-size.
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/#/lineage");
            await Assertions.Expect(page.Locator("#lineage-graph svg.lineage")).ToBeVisibleAsync();
            Assert.True(await SvgWidthAsync(page) <= 390, "the graph fits a 390 px screen");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "4-lineage-390.png"), FullPage = true });
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            var wide = await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth - 20 || e.scrollWidth > e.clientWidth + 1).map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth).slice(0, 5).join(', ')");
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 390 px screen ({wide})");
            var fontPx = await page.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.querySelector('svg.lineage a.node text')).fontSize)");
            Assert.True(fontPx >= 12, $"labels are {fontPx} px");
            await Assertions.Expect(page.Locator("#lineage-graph a.node[data-id='job:order_stats_30d'] text")).ToHaveTextAsync("order_stats_30d");
            await page.GotoAsync("/#/catalog");
            await Assertions.Expect(page.Locator("#catalog-sources")).ToContainTextAsync("orders");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "5-catalog-390.png"), FullPage = true });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static Task<double> SvgWidthAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.querySelector('#lineage-graph svg.lineage').getBoundingClientRect().right");
}
