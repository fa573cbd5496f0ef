using System.Text.RegularExpressions;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.FeatureApi.Tests.Docs;

/// <summary>
/// Every shell block of README.md and docs/*.md (fenced <c>```sh</c>, <c>```bash</c> or <c>```shell</c>) runs against a
/// platform this test starts: the Release DLL run from a folder of its own with no appsettings.json there (so it reads the
/// one next to the DLL, as a user running it from elsewhere would), on a free port. Each block runs in bash from the
/// repository root with <c>set -e</c> and must exit 0; <c>localhost:5080</c>/<c>127.0.0.1:5080</c> become the test
/// platform's address and the CLI shares its data directory. A block that cannot run here is marked
/// <c>```sh no-test: &lt;reason&gt;</c>, and the reason is required.
/// </summary>
public sealed partial class DocsCommandsTests
{
    private sealed record Block(string File, int Line, string Info, string Script);

    [Fact]
    public async Task Every_shell_command_in_the_readme_and_docs_runs_against_a_started_platform()
    {
        var blocks = Blocks().ToList();
        Assert.True(blocks.Count >= 10, $"only {blocks.Count} shell blocks found");
        var skipped = blocks.Where(b => b.Info.Contains("no-test", StringComparison.Ordinal)).ToList();
        foreach (var b in skipped)
        {
            Assert.True(NoTestReason().Match(b.Info) is { Success: true } m && m.Groups[1].Value.Trim().Length >= 10,
                $"{b.File}:{b.Line} is marked no-test without a reason (write ```sh no-test: why it cannot run here)");
        }
        var runnable = blocks.Except(skipped).ToList();
        Assert.True(runnable.Count >= 3, $"only {runnable.Count} runnable blocks");

        var directory = TestPaths.NewServerDirectory("docs-platform");
        var data = Path.Combine(directory, "data");
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["EventCenter__DataDirectory"] = data,
            ["DOTNET_gcServer"] = "0",
            ["Runtime__Workers__Mode"] = "InProcess",
        };
        await using var server = ServerProcess.Start("docs-platform", "dotnet", [FeatureApiProcess.DllPath, "--urls", $"http://127.0.0.1:{port}"],
            Path.Combine(directory, "host.log"), environment, directory);
        await WaitReadyAsync(port, server);

        var failures = new List<string>();
        foreach (var block in runnable)
        {
            var script = "set -eo pipefail\n" + Substitute(block.Script, port);
            var env = new Dictionary<string, string>(environment) { ["FP_URL"] = $"http://127.0.0.1:{port}" };
            var (code, output) = await ServerProcess.RunAsync("bash", ["-c", script], TimeSpan.FromMinutes(3), env, TestPaths.RepoRoot);
            if (code != 0)
            {
                failures.Add($"{block.File}:{block.Line} exited {code}:\n{block.Script}\n--- output ---\n{Tail(output)}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {runnable.Count} blocks failed:\n\n{string.Join("\n\n", failures)}\n\n--- host log ---\n{server.TailLog(3000)}");
    }

    /// <summary>The fenced shell blocks of README.md and docs/*.md.</summary>
    private static IEnumerable<Block> Blocks()
    {
        var files = new[] { Path.Combine(TestPaths.RepoRoot, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (Fence().Match(lines[i]) is not { Success: true } open)
                {
                    continue;
                }
                var start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
                {
                    body.Add(lines[i]);
                }
                yield return new Block(Path.GetRelativePath(TestPaths.RepoRoot, file), start + 1, open.Groups[1].Value, string.Join('\n', body));
            }
        }
    }

    /// <summary>The test platform's address for the documented one; the Release DLL for <c>dotnet run --project src/FeatureApi …</c> (built already).</summary>
    private static string Substitute(string script, int port) => script
        .Replace("localhost:5080", $"127.0.0.1:{port}", StringComparison.Ordinal)
        .Replace("127.0.0.1:5080", $"127.0.0.1:{port}", StringComparison.Ordinal);

    private static async Task WaitReadyAsync(int port, ServerProcess server)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            Assert.True(server.IsRunning, $"the platform exited:\n{server.TailLog()}");
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{port}/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"the platform did not get ready:\n{server.TailLog()}");
            await Task.Delay(200);
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    [GeneratedRegex(@"^```(?:sh|bash|shell)\b(.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"no-test:?(.*)$")]
    private static partial Regex NoTestReason();
}
