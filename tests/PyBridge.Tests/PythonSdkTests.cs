using System.Diagnostics;
using FeaturePlatform.PyBridge.Hosting;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>Runs the SDK's own Python unit tests (plain python3 -m unittest) so CI runs them too.</summary>
public sealed class PythonSdkTests
{
    private const string PyenvPython = "/root/.pyenv/versions/3.11.7/bin/python3";

    public static TheoryData<string> Interpreters()
    {
        var data = new TheoryData<string> { PythonHostOptions.DefaultExecutable };
        if (File.Exists(PyenvPython))
        {
            data.Add(PyenvPython);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Interpreters))]
    public async Task Sdk_and_example_unit_tests_pass_with_plain_python(string python)
    {
        var start = new ProcessStartInfo(python, ["-B", "-m", "unittest", "discover", "-s", "tests", "-t", "."])
        {
            WorkingDirectory = Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python"),
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stderr;
        Assert.True(process.ExitCode == 0, text);
        Assert.Matches(@"Ran [1-9]\d* tests", text);
    }

    [Theory]
    [MemberData(nameof(Interpreters))]
    public async Task Each_interpreter_is_located_with_its_shared_libpython(string python)
    {
        var installation = await PythonInstallation.LocateAsync(new PythonHostOptions { PythonExecutable = python });

        Assert.Equal(python, installation.Executable);
        Assert.True(File.Exists(installation.Library), installation.Library);
        Assert.EndsWith("libpython3.11.so.1.0", installation.Library);
        Assert.StartsWith("3.11", installation.Version);
    }

    [Fact]
    public async Task Explicit_library_setting_overrides_discovery_and_missing_ones_are_reported()
    {
        var explicitLib = await PythonInstallation.LocateAsync(new PythonHostOptions { LibraryPath = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1" });
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1", explicitLib.Library);

        var ex = await Assert.ThrowsAsync<PythonHostException>(() =>
            PythonInstallation.LocateAsync(new PythonHostOptions { PythonExecutable = "/nonexistent/python3" }));
        Assert.Contains("does not exist", ex.Message);
    }
}
