
using FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;
namespace FeaturePlatform.EventCenter.Tests;

/// <summary>
/// Entry point used when a test runs this assembly as a child process
/// (<c>dotnet exec FeaturePlatform.EventCenter.Tests.dll &lt;mode&gt; …</c>), e.g. to be killed mid-write.
/// The test runner itself never calls it.
/// </summary>
public static class ChildProcessEntry
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == EmbeddedCrashWriter.Mode)
        {
            return await EmbeddedCrashWriter.RunAsync(args[1..]);
        }
        await Console.Error.WriteLineAsync($"unknown child mode: {string.Join(' ', args)}");
        return 2;
    }
}
