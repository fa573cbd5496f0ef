using System.Diagnostics;
using System.Text.Json;
using FeaturePlatform.PyBridge.Jobs;
using Xunit.Abstractions;

namespace FeaturePlatform.PyBridge.Tests.Interpreters;

/// <summary>
/// The machine's pyenv interpreter embedded in a child process (this process already embeds Debian's, and one
/// process hosts one interpreter) gives the same rows as Debian's. Without pyenv (e.g. on CI) the child embeds
/// Debian's python instead, so the child-process path is still exercised.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class PyenvInterpreterTests(PythonHostFixture fixture, ITestOutputHelper output)
{
    private const string PyenvPython = "/root/.pyenv/versions/3.11.7/bin/python3";
    private const string PyenvPrefix = "/root/.pyenv/versions/3.11.7";
    private const string DebianPython = "/usr/bin/python3";

    [Fact]
    public async Task Pyenv_python_embedded_in_a_child_gives_the_same_rows_as_debians()
    {
        var pyenv = File.Exists(PyenvPython);
        var (interpreter, prefix) = pyenv ? (PyenvPython, PyenvPrefix) : (DebianPython, "/usr");
        output.WriteLine(pyenv
            ? $"probing pyenv's {interpreter} in a child process"
            : $"{PyenvPython} does not exist on this machine: probing Debian's {interpreter} in a child process instead");

        var report = await RunProbeAsync(interpreter);
        output.WriteLine(JsonSerializer.Serialize(report));

        Assert.Equal(interpreter, report.Executable);
        Assert.Equal(interpreter, report.SysExecutable);
        Assert.Equal(prefix, report.Prefix);
        Assert.StartsWith(prefix + "/lib/python3", report.Stdlib, StringComparison.Ordinal);
        Assert.StartsWith(prefix + "/lib/python3", report.JsonExtension, StringComparison.Ordinal);
        Assert.Equal(report.Library, Assert.Single(report.MappedLibpython));
        if (pyenv)
        {
            Assert.Equal(PyenvPrefix + "/lib/libpython3.11.so.1.0", report.Library);
            Assert.StartsWith("3.11.7 ", report.Version, StringComparison.Ordinal);
        }

        // The same job and data on Debian's python, in this process (the shared fixture).
        await using var job = await fixture.Host.LoadJobAsync(EmbeddedPythonProbe.JobPath, LendingData.Create());
        var expected = new List<IReadOnlyList<ResultRow>>();
        foreach (var e in EmbeddedPythonProbe.Events)
        {
            expected.Add(await job.InvokeAsync(e));
        }
        var debian = EmbeddedPythonProbe.Describe(expected);
        Assert.Equal("String:silver", debian[0][0]["user_tier"]); // the comparison is over real rows
        Assert.Equal(debian, report.Single);
        Assert.Equal(debian, report.Batch);
    }

    [Theory]
    [InlineData("/nonexistent/python3", "Python executable '/nonexistent/python3' does not exist")]
    [InlineData("/bin/true", "'/bin/true' is not a Python interpreter that can describe itself")]
    public async Task A_failing_probe_exits_non_zero_with_the_error_on_stderr(string interpreter, string error)
    {
        var (exitCode, stdout, stderr) = await RunChildAsync(interpreter);

        Assert.True(exitCode == 1, $"exit code {exitCode}; stderr:\n{stderr}");
        Assert.Equal("", stdout.Trim());
        Assert.Contains(error, stderr, StringComparison.Ordinal);
    }

    private static async Task<ProbeReport> RunProbeAsync(string interpreter)
    {
        var (exitCode, stdout, stderr) = await RunChildAsync(interpreter);
        Assert.True(exitCode == 0, $"{EmbeddedPythonProbe.Mode} {interpreter} exited with {exitCode}; stderr:\n{stderr}\nstdout:\n{stdout}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(line.Length == 1, $"expected one JSON line, got:\n{stdout}\nstderr:\n{stderr}");
        return JsonSerializer.Deserialize<ProbeReport>(line[0]) ?? throw new InvalidOperationException($"null report: {stdout}");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChildAsync(string interpreter)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", typeof(EmbeddedPythonProbe).Assembly.Location, EmbeddedPythonProbe.Mode, interpreter })
        {
            start.ArgumentList.Add(arg);
        }
        // The child must take the interpreter from its argument, not from the environment of the test run.
        start.Environment.Remove(PythonHostOptions.ExecutableVariable);
        start.Environment.Remove(PythonHostOptions.LibraryVariable);
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
            throw new TimeoutException($"the probe child did not finish within 60 s; stderr:\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
