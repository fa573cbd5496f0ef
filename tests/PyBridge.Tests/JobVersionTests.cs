using System.Diagnostics;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>
/// A job's version is the content hash of its module and the local library code it imports: the same in another
/// process and after a restart, changed by an edit of an imported library file, unchanged by a reload of the same files.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class JobVersionTests(PythonHostFixture fixture)
{
    private const string Job = """
        from featureplatform import job, Output
        import pricing
        from lib.rates import RATE

        @job("priced", triggers="s", outputs=[Output("price", float)])
        def priced(event, ctx):
            return {"price": pricing.price(event["n"]) * RATE}
        """;

    private static readonly FeatureEvent Event = new("s", "k", 1, """{"n": 2}""", "e1");

    [Fact]
    public async Task The_version_is_the_same_in_another_process_and_after_a_restart()
    {
        var dir = JobsDirectory();
        var path = Path.Combine(dir, "priced.py");
        string version;
        await using (var job = await fixture.Host.LoadJobAsync(path, new CannedData(), new JobOptions { WatchForChanges = false }))
        {
            version = job.Version;
            Assert.Matches("^[0-9a-f]{16}$", version);
            Assert.Equal(["lib", "lib.rates", "pricing"], job.LibraryModules);
            // Edits and reloads in between (a reload counter would have moved on).
            await File.AppendAllTextAsync(Path.Combine(dir, "pricing.py"), "# tweak\n");
            Assert.NotEqual(version, (await job.ReloadAsync()).Version);
            await File.WriteAllTextAsync(Path.Combine(dir, "pricing.py"), Pricing);
            Assert.Equal(version, (await job.ReloadAsync()).Version);
        }

        // Restart: the same files loaded afresh.
        await using (var again = await fixture.Host.LoadJobAsync(path, new CannedData(), new JobOptions { WatchForChanges = false }))
        {
            Assert.Equal(version, again.Version);
        }

        // Another process, with a copy of the directory somewhere else (paths are not hashed).
        var copy = JobsDirectory();
        var (exitCode, stdout, stderr) = await RunChildAsync(Path.Combine(copy, "priced.py"));
        Assert.True(exitCode == 0, $"{JobVersionProbe.Mode} exited with {exitCode}; stderr:\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(version, lines[0]);
        Assert.Equal("lib,lib.rates,pricing", lines[1]);
    }

    [Fact]
    public async Task Editing_an_imported_library_file_changes_the_version_and_the_code_on_hot_reload()
    {
        var dir = JobsDirectory();
        await using var job = await fixture.Host.LoadJobAsync(Path.Combine(dir, "priced.py"), new CannedData());
        var before = job.Version;
        Assert.Equal(3.0, (await job.InvokeAsync(Event))[0]["price"]);

        await File.WriteAllTextAsync(Path.Combine(dir, "lib", "rates.py"), "RATE = 10.0\n");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double price;
        do
        {
            price = (double)(await job.InvokeAsync(Event))[0]["price"]!;
        }
        while (price != 30.0 && DateTime.UtcNow < deadline);
        Assert.Equal(30.0, price);
        Assert.NotEqual(before, job.Version);

        // Back to the original bytes: back to the original version.
        await File.WriteAllTextAsync(Path.Combine(dir, "lib", "rates.py"), Rates);
        Assert.Equal(before, (await job.ReloadAsync()).Version);
    }

    [Fact]
    public async Task A_touch_without_a_change_reloads_nothing_and_keeps_the_version()
    {
        var dir = JobsDirectory();
        await using var job = await fixture.Host.LoadJobAsync(Path.Combine(dir, "priced.py"), new CannedData());
        var changes = 0;
        job.VersionChanged += (_, _) => Interlocked.Increment(ref changes);
        var before = job.Version;
        await File.WriteAllTextAsync(Path.Combine(dir, "pricing.py"), Pricing); // same bytes, new mtime
        await File.WriteAllTextAsync(Path.Combine(dir, "unrelated.py"), "X = 1\n");
        for (var i = 0; i < 20; i++)
        {
            await job.InvokeAsync(Event);
        }
        Assert.Equal(before, job.Version);
        Assert.Equal(0, changes);
        Assert.Equal(before, (await job.ReloadAsync()).Version);
    }

    private const string Pricing = "def price(n):\n    return n * 1.5\n";

    private const string Rates = "RATE = 1.0\n";

    /// <summary>A fresh jobs directory: the job, a library module beside it and a package.</summary>
    private static string JobsDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pybridge-tests", UniqueName.For("versions"));
        Directory.CreateDirectory(Path.Combine(dir, "lib"));
        File.WriteAllText(Path.Combine(dir, "priced.py"), Job);
        File.WriteAllText(Path.Combine(dir, "pricing.py"), Pricing);
        File.WriteAllText(Path.Combine(dir, "lib", "__init__.py"), "");
        File.WriteAllText(Path.Combine(dir, "lib", "rates.py"), Rates);
        return dir;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChildAsync(string module)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", typeof(JobVersionProbe).Assembly.Location, JobVersionProbe.Mode, module })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the child");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the version child did not finish within 60 s; stderr:\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
