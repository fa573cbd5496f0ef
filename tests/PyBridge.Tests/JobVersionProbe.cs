namespace FeaturePlatform.PyBridge.Tests;

/// <summary>
/// Child-process mode <c>job-version &lt;job module&gt;</c>: starts a host in a process of its own, loads the module and
/// prints its version (the first line of stdout) and its library modules (the second).
/// </summary>
internal static class JobVersionProbe
{
    public const string Mode = "job-version";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 1)
        {
            await Console.Error.WriteLineAsync($"usage: {Mode} <job module>");
            return 2;
        }
        await using var host = await PythonHost.StartAsync();
        await using var job = await host.LoadJobAsync(args[0], new CannedData(), new Jobs.JobOptions { WatchForChanges = false });
        await Console.Out.WriteLineAsync(job.Version);
        await Console.Out.WriteLineAsync(string.Join(",", job.LibraryModules));
        return 0;
    }
}
