using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;
using static FeaturePlatform.FeatureApi.Tests.Publishing.PublishingFlowTests;

namespace FeaturePlatform.FeatureApi.Tests.Publishing;

/// <summary>
/// Standard scenarios: an author lists the template jobs and copies one with parameters into a draft version of a new job
/// (through HTTP and the CLI); the draft is validated like an upload and its backtest computes what the template says; a
/// bad or unknown parameter is refused naming it.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class ScenarioTests(KafkaFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task An_author_copies_a_scenario_into_a_draft_that_validates_and_backtests()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "scenarios", "pub_stats", """
            from featureplatform import Output, job

            @job("pub_stats", triggers="par_a", outputs=[Output("pair", str)])
            def pub_stats(event, ctx):
                return {"pair": event.key}
            """);
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 30_000;
        await harness.ProduceAsync(("w1", "k1", t0, 10), ("w2", "k1", t0 + 1000, 20));

        var scenarios = await GetJsonAsync(author, "/api/registry/scenarios");
        Assert.Equal(["windowed_sum", "last_n_values", "ratio_of_sources"], scenarios.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var windowed = scenarios[0].GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal("Field", windowed["field"].GetProperty("kind").GetString());
        Assert.Equal("30", windowed["window_days"].GetProperty("default").GetString());

        // Copied with parameters: a draft (validated) version of a new job.
        var draft = await ReadAsync(await author.PostAsJsonAsync("/api/registry/scenarios/windowed_sum",
            new { job = "pub_window", parameters = new Dictionary<string, string> { ["source"] = "par_a", ["field"] = "amount", ["window_days"] = "2" } }), HttpStatusCode.Created);
        output.WriteLine(draft.ToString());
        Assert.Equal(("pub_window", "Validated"), (draft.GetProperty("job").GetString(), draft.GetProperty("state").GetString()));
        Assert.Equal("from scenario windowed_sum (field=amount, source=par_a, window_days=2)", draft.GetProperty("message").GetString());
        var version = draft.GetProperty("version").GetString()!;
        var module = (await GetJsonAsync(author, $"/api/registry/jobs/pub_window/versions/{version}")).GetProperty("modules").GetProperty("<job>").GetString()!;
        Assert.Contains("Param(\"window_days\", int, default=2", module, StringComparison.Ordinal);

        // Its backtest computes count and sum per entity over the window.
        var backtest = await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/pub_window/versions/{version}/backtest", new { from = t0 - 1, to = t0 + 10_000 }),
            HttpStatusCode.OK);
        var shifts = backtest.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("feature").GetString()!);
        Assert.Equal(20.0, shifts["sum"].GetProperty("candidate").GetProperty("mean").GetDouble());
        Assert.Equal(1.5, shifts["count"].GetProperty("candidate").GetProperty("mean").GetDouble());

        // Refusals name the parameter.
        await RefusedAsync(author, "/api/registry/scenarios/windowed_sum", new { job = "pub_window", parameters = new { source = "par_a", field = "amount)\nimport os" } },
            HttpStatusCode.BadRequest, "'parameters.field': 'amount)\nimport os' is no field name");
        await RefusedAsync(author, "/api/registry/scenarios/windowed_sum", new { job = "pub_window", parameters = new { source = "par_a", field = "amount", window_days = "0" } },
            HttpStatusCode.BadRequest, "'parameters.window_days': '0' is not a whole number within 1..3650");
        await RefusedAsync(author, "/api/registry/scenarios/windowed_sum", new { job = "pub_window", parameters = new { source = "par_a", field = "amount", colour = "red" } },
            HttpStatusCode.BadRequest, "scenario 'windowed_sum' has no parameter 'colour'");
        await RefusedAsync(author, "/api/registry/scenarios/windowed_sum", new { job = "pub_window", parameters = new { field = "amount" } },
            HttpStatusCode.BadRequest, "give 'source'");
        await RefusedAsync(author, "/api/registry/scenarios/top_k", new { job = "pub_window" }, HttpStatusCode.NotFound, "There is no scenario 'top_k'");

        // The CLI lists and copies scenarios too.
        var handler = harness.Platform.Server.CreateHandler();
        string[] common = ["--url", "http://localhost", "--key", PlatformFactory.Author];
        var (code, stdout, stderr) = await CliAsync(handler, ["scenarios", .. common]);
        Assert.True(code == 0, stderr);
        Assert.Contains("last_n_values: The last N values", stdout, StringComparison.Ordinal);
        Assert.Contains("    field  the field whose values are kept (required)", stdout, StringComparison.Ordinal);
        (code, stdout, stderr) = await CliAsync(handler, ["scenario", "--name", "last_n_values", "--job", "pub_last", "--param", "source=par_a", "--param", "field=amount", .. common]);
        Assert.True(code == 0, stderr);
        Assert.EndsWith("Validated", stdout.Trim(), StringComparison.Ordinal);
    }

    private async Task RefusedAsync(HttpClient client, string path, object body, HttpStatusCode status, string detail)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(problem.ToString());
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(HttpMessageHandler handler, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await FeaturePlatform.FeatureApi.Publishing.PublishCommands.RunAsync(args, stdout, stderr, handler);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
