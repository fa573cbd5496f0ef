using System.Net;
using System.Net.Http.Json;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static FeaturePlatform.FeatureApi.Tests.Publishing.PublishingFlowTests;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Publishing;

/// <summary>
/// Output presets: an admin defines sinks (<c>Runtime:Outputs:Presets</c>), an author names them in the declaration
/// (<c>@job(sinks=…)</c>). An unknown preset fails validation naming it; a promoted version's rows go to the presets it
/// names, and a later version naming others switches them from its next batch.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class OutputPresetTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string Job = "pub_sink";

    private static string Module(string sinks) => $$"""
        from featureplatform import Output, job

        @job("pub_sink", triggers="par_a", outputs=[Output("pair", str), Output("amount", int)], sinks={{sinks}})
        def pub_sink(event, ctx):
            return {"pair": event.key, "amount": int(event.data["amount"])}
        """;

    [Fact]
    public async Task A_declared_preset_receives_the_rows_and_an_unknown_one_is_refused()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "presets", "pub_stats", """
            from featureplatform import Output, job

            @job("pub_stats", triggers="par_a", outputs=[Output("pair", str)])
            def pub_stats(event, ctx):
                return {"pair": event.key}
            """, extra: new Dictionary<string, string> { ["Runtime:Outputs:Presets:job_events:Kind"] = "EventCenter" });
        var startup = harness.Services.GetRequiredService<RuntimeStartup>();
        var events = harness.Services.GetRequiredService<IEventReader>();
        var features = harness.Services.GetRequiredService<FeatureStore>();
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        using var reviewer = harness.Platform.CreateClient(PlatformFactory.Reviewer);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 30_000;
        await harness.ProduceAsync(("s1", "k1", t0, 10));

        // The presets authors may name.
        var presets = await GetJsonAsync(author, "/api/registry/presets");
        Assert.Equal(["feature_store", "job_events"], presets.EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        // An unknown preset: 422 naming it and the ones there are.
        using (var refused = await author.PostAsync($"/api/registry/jobs/{Job}/versions", Upload("pub_sink.py", Module("[\"risk_topic\"]"), "unknown sink")))
        {
            var problem = await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            output.WriteLine(problem.ToString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("sinks", problem.GetProperty("field").GetString());
            Assert.Contains("sinks= names 'risk_topic', which is no output preset; use one of feature_store, job_events", problem.GetProperty("detail").GetString(),
                StringComparison.Ordinal);
            Assert.Equal(3, problem.GetProperty("line").GetInt32());
        }

        async Task<string> LiveAsync(string sinks, string message)
        {
            var version = (await ReadAsync(await author.PostAsync($"/api/registry/jobs/{Job}/versions", Upload("pub_sink.py", Module(sinks), message)), HttpStatusCode.Created))
                .GetProperty("version").GetString()!;
            await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/{Job}/versions/{version}/backtest", new { from = t0 - 1, to = t0 + 10_000 }), HttpStatusCode.OK);
            await ReadAsync(await reviewer.PostAsJsonAsync($"/api/registry/jobs/{Job}/versions/{version}/approve", new { reason = "ok" }), HttpStatusCode.OK);
            await ReadAsync(await author.PostAsJsonAsync($"/api/registry/jobs/{Job}/promote", new { version }), HttpStatusCode.OK);
            await Poll.UntilAsync(() => Task.FromResult(startup.Registry.Find(Job)?.Version == version), TimeSpan.FromSeconds(30), () => $"{Job} to run {message}");
            return version;
        }

        async Task<List<string>> EventCenterRowsAsync(string key)
        {
            var rows = new List<string>();
            await foreach (var e in events.GetHistoryAsync(EventCenterOutput.SourceFor(Job), key, long.MinValue, long.MaxValue))
            {
                rows.Add(e.Headers[EventCenterOutput.JobVersionHeader]);
            }
            return rows;
        }

        // v1 names the event-center preset only: its rows go there, not to the feature store (a preset list replaces the default).
        var v1 = await LiveAsync("[\"job_events\"]", "to the event center");
        await harness.ProduceAsync(("s2", "k2", t0 + 1000, 20));
        List<string> stored = [];
        await Poll.UntilAsync(async () => (stored = await EventCenterRowsAsync("k2")).Count > 0, TimeSpan.FromSeconds(30), () => "k2's row in the event center");
        Assert.Equal([v1], stored);
        Assert.Null(await features.GetAsync(Job, "k2"));

        // v2 names the feature store: from its next batch the rows go there instead.
        var v2 = await LiveAsync("\"feature_store\"", "to the feature store");
        await harness.ProduceAsync(("s3", "k3", t0 + 2000, 30));
        FeatureRecord? row = null;
        await Poll.UntilAsync(async () => (row = await features.GetAsync(Job, "k3")) is not null, TimeSpan.FromSeconds(30), () => "k3's features");
        Assert.Equal(v2, row!.JobVersion);
        Assert.Equal(30, row.Values["amount"].GetInt64());
        Assert.Empty(await EventCenterRowsAsync("k3"));
    }
}
