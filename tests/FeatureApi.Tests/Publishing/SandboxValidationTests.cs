using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Parity;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs.Publishing;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static FeaturePlatform.FeatureApi.Tests.Publishing.PublishingFlowTests;

namespace FeaturePlatform.FeatureApi.Tests.Publishing;

/// <summary>
/// The "validated" gate through HTTP: an upload is imported in a sandbox process (not the API process), its own tests
/// (<c>featureplatform.testing</c>) run — a failing one names the test, file and line — and the rows it computes are
/// checked against the declared outputs (a wrong-typed or extra column is named); a module that runs too long or
/// allocates too much is stopped.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class SandboxValidationTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private const string JobName = "pub_stats";

    private static string Module(string marker = "") => $$"""
        import os
        from featureplatform import Output, job

        {{marker}}

        @job("pub_stats", triggers="par_a", outputs=[Output("pair", str), Output("amount", float)])
        def pub_stats(event, ctx):
            return {"pair": event.key, "amount": event.data.get("amount", 0)}
        """;

    private const string Tests = """
        import unittest
        from featureplatform import Event
        from featureplatform.testing import run_job
        from pub_stats import pub_stats


        class AmountTest(unittest.TestCase):
            def test_amount_is_copied(self):
                rows = run_job(pub_stats, Event("par_a", "k1", 1000, {"amount": 2.5}))
                self.assertEqual(rows, [{"pair": "k1", "amount": 2.5}])

            def test_amount_doubles(self):
                rows = run_job(pub_stats, Event("par_a", "k1", 1000, {"amount": 2.5}))
                self.assertEqual(rows[0]["amount"], EXPECTED)


        def test_text_amount():
            run_job(pub_stats, Event("par_a", "k1", 1000, {"amount": AMOUNT}))
        """;

    [Fact]
    public async Task Uploads_are_imported_tested_and_schema_checked_in_a_sandbox_process()
    {
        await using var harness = await ParityHarness.StartAsync(kafka, "sandbox", JobName, Module());
        using var author = harness.Platform.CreateClient(PlatformFactory.Author);
        var marker = Path.Combine(Directory.CreateTempSubdirectory("sandbox").FullName, "pid");
        string Versions() => $"/api/registry/jobs/{JobName}/versions";
        static string TestFile(string expected, string amount) => Tests.Replace("EXPECTED", expected, StringComparison.Ordinal).Replace("AMOUNT", amount, StringComparison.Ordinal);

        // A good upload with its tests: imported in another process, every test run, the rows they computed checked.
        var pidModule = Module($"open({JsonSerializer.Serialize(marker)}, 'w').write(str(os.getpid()))");
        var good = await ReadAsync(await author.PostAsync(Versions(), UploadBytes("pub_stats.zip",
            ZipOf(("pub_stats.py", pidModule), ("tests/test_pub_stats.py", TestFile("2.5", "1"))), "with tests")), HttpStatusCode.Created);
        output.WriteLine(good.ToString());
        var importedIn = int.Parse(await File.ReadAllTextAsync(marker), System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(Environment.ProcessId, importedIn);
        var note = good.GetProperty("history")[0].GetProperty("note").GetString()!;
        Assert.Contains("3 test(s) passed", note, StringComparison.Ordinal);
        Assert.Contains("checked on 3 row(s) from tests", note, StringComparison.Ordinal);

        // A failing test: 422 naming the test, its file and line.
        var failing = await ProblemAsync(author, Versions(), ZipOf(("pub_stats.py", Module()), ("tests/test_pub_stats.py", TestFile("5.0", "1"))));
        Assert.Equal("tests/test_pub_stats.py", failing.GetProperty("file").GetString());
        Assert.Equal(14, failing.GetProperty("line").GetInt32());
        Assert.Equal("tests/test_pub_stats.py::AmountTest.test_amount_doubles", failing.GetProperty("test").GetString());
        Assert.Contains("AssertionError: 2.5 != 5.0", failing.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A row of the wrong type in a test: the output schema check names the column.
        var typed = await ProblemAsync(author, Versions(), ZipOf(("pub_stats.py", Module()), ("test_pub_stats.py", TestFile("2.5", "'ten'"))));
        Assert.Equal("outputs", typed.GetProperty("field").GetString());
        Assert.Contains("output 'amount' is str 'ten'; declared float", typed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("test_pub_stats.py::test_text_amount", typed.GetProperty("test").GetString());

        // No tests: a sample event is computed; an extra column is named.
        var extra = await ProblemAsync(author, Versions(), Encoding.UTF8.GetBytes(Module().Replace("\"amount\": event", "\"bonus\": 1, \"amount\": event", StringComparison.Ordinal)),
            "pub_stats.py");
        Assert.Contains("output schema", extra.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("unknown ['bonus']", extra.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("pub_stats.py", extra.GetProperty("file").GetString());

        // Time and memory limits, as for jobs: the sandbox process is stopped and the upload fails saying why.
        var startup = harness.Services.GetRequiredService<RuntimeStartup>();
        var staged = Directory.CreateTempSubdirectory("sandbox-limits").FullName;
        await File.WriteAllTextAsync(Path.Combine(staged, "spin.py"), Module("while True:\n    pass"));
        await File.WriteAllTextAsync(Path.Combine(staged, "hog.py"), Module("hog = [bytearray(1 << 20) for _ in range(2048)]"));
        var limited = new SandboxValidator(new PublishingSettings { ValidationTimeout = TimeSpan.FromSeconds(3) }, memoryLimitMb: 300, TimeSpan.FromMilliseconds(100));
        var spin = await Assert.ThrowsAsync<PublishingException>(() => limited.ValidateAsync(startup.Host, staged, "spin.py"));
        Assert.Contains("took longer than 00:00:03 (Runtime:Publishing:ValidationTimeout)", spin.Message, StringComparison.Ordinal);
        var hog = await Assert.ThrowsAsync<PublishingException>(() => limited.ValidateAsync(startup.Host, staged, "hog.py"));
        Assert.Contains("above the jobs' limit of 300 MiB (Runtime:Workers:MemoryLimitMb)", hog.Message, StringComparison.Ordinal);
    }

    private async Task<JsonElement> ProblemAsync(HttpClient client, string path, byte[] upload, string name = "pub_stats.zip")
    {
        using var response = await client.PostAsync(path, UploadBytes(name, upload, "should fail"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(problem.ToString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.DoesNotContain("FeaturePlatform.", problem.ToString(), StringComparison.Ordinal);
        return problem;
    }

    private static byte[] ZipOf(params (string Name, string Text)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(text);
            }
        }
        return buffer.ToArray();
    }
}
