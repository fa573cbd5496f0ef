using FeaturePlatform.PyBridge.Tests.Interpreters;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>
/// Entry point used when a test runs this assembly as a child process
/// (<c>dotnet exec FeaturePlatform.PyBridge.Tests.dll &lt;mode&gt; …</c>), e.g. to embed another interpreter than the
/// test process's (one interpreter per process). The test runner itself never calls it.
/// </summary>
public static class ChildProcessEntry
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == EmbeddedPythonProbe.Mode)
        {
            return await EmbeddedPythonProbe.RunAsync(args[1..]);
        }
        if (args.Length > 0 && args[0] == JobVersionProbe.Mode)
        {
            return await JobVersionProbe.RunAsync(args[1..]);
        }
        await Console.Error.WriteLineAsync($"unknown child mode: {string.Join(' ', args)}");
        return 2;
    }
}
