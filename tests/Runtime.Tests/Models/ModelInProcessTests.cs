using System.Text;
using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Models;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Models;

/// <summary>
/// Models in the InProcess worker mode, through the one run loop: <c>ctx.model</c> loads the bound version from the
/// registry's directory (once, shared by every event), each row records the version; a tampered artifact fails the
/// event with a checksum error (never computed with other bytes); an undeclared name fails naming the declared models.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class ModelInProcessTests(PythonHostFixture python)
{
    private const string Module = """
        from featureplatform import Output, job

        @job("scored", triggers="orders", models=["churn", "ltv"], outputs=[Output("score", float), Output("same", bool)])
        def scored(event, ctx):
            model = ctx.model(event.get("model", "churn"))
            first = getattr(scored, "first", None) or model
            scored.first = first
            return {"score": model.score({"amount": float(event["amount"])}), "same": first is model}
        """;

    [Fact]
    public async Task Rows_record_the_bound_version_and_a_tampered_artifact_or_undeclared_name_fails_the_event()
    {
        _ = python; // the shared interpreter is started; this test's host adds its own model directory
        var models = Directory.CreateTempSubdirectory("fp-models-").FullName;
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(10), ModelDirectory = models });
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var registry = new ModelRegistry(harness.Hot, models, 1 << 20, table: new(null, "models_" + UniqueName.For("t").Replace('-', '_')));
        await registry.EnsureTableAsync();
        var v1 = await UploadAsync(registry, """{"features": ["amount"], "weights": [2.0], "bias": 1.0}""");
        var job = new RegisteredJob(await host.LoadJobAsync(PythonHostFixture.WriteJob("scored", Module), harness.DataSource), enabled: true);
        Assert.Equal(["churn", "ltv"], job.Declaration.Models);
        var output = new CollectingOutput();
        var runner = new JobRunner(job, harness.DataSource, [output], harness.Errors, NullLogger.Instance);

        await job.Loaded.SetParametersAsync(new Dictionary<string, object?> { ["model.churn"] = v1 });
        var batch = await runner.RunBatchWithErrorsAsync([StoredEvents.Order("u1", 1_000, 10, "o1"), StoredEvents.Order("u2", 2_000, 20, "o2")], CancellationToken.None);
        Assert.Empty(batch.Errors);
        Assert.Equal([21.0, 41.0], batch.Results.Select(r => (double)r.Values.Single(v => v.Key == "score").Value!));
        Assert.All(batch.Results, r => Assert.Equal(new Dictionary<string, string> { ["churn"] = v1, ["ltv"] = "" }, r.Models));
        Assert.All(batch.Results, r => Assert.True((bool)r.Values.Single(v => v.Key == "same").Value!)); // loaded once, shared

        // A version whose file changed after upload: the checksum refuses it; the event fails, nothing is written.
        var v2 = await UploadAsync(registry, """{"features": ["amount"], "weights": [3.0], "bias": 0.0}""");
        await File.WriteAllTextAsync(registry.ArtifactPath("churn", v2, "linear-json"), """{"features": ["amount"], "weights": [300.0], "bias": 0.0}""");
        await job.Loaded.SetParametersAsync(new Dictionary<string, object?> { ["model.churn"] = v2 });
        var tampered = await runner.RunBatchWithErrorsAsync([StoredEvents.Order("u3", 3_000, 10, "o3")], CancellationToken.None);
        Assert.Empty(tampered.Results);
        var error = Assert.Single(tampered.Errors);
        Assert.Equal("featureplatform.ModelIntegrityError", error.ErrorType);
        Assert.Contains(v2, error.Message, StringComparison.Ordinal);

        // A name the job does not declare: the error names it and the declared list.
        var other = StoredEvents.Order("u4", 4_000, 10, "o4");
        other = other with { After = Encoding.UTF8.GetBytes("""{"oid":"o4","user_id":"u4","t":4000,"amount":10,"model":"chrun"}""") };
        var unknown = Assert.Single((await runner.RunBatchWithErrorsAsync([other], CancellationToken.None)).Errors);
        Assert.Equal("featureplatform.ModelError", unknown.ErrorType);
        Assert.Contains("'chrun'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("['churn', 'ltv']", unknown.Message, StringComparison.Ordinal);
    }

    private static async Task<string> UploadAsync(ModelRegistry registry, string document)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(document));
        var (version, created) = await registry.UploadAsync(new ModelUpload("churn", "linear-json", 0, 1, JsonDocument.Parse("{}").RootElement, "alice", "test"), stream);
        Assert.True(created);
        return version.Version;
    }
}
