using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>One host on Debian's interpreter (the default) for the whole test assembly.</summary>
public sealed class PythonHostFixture : IAsyncLifetime
{
    public PythonHost Host { get; private set; } = null!;

    /// <summary>The example jobs shipped with the SDK.</summary>
    public static string ExampleJobs => Path.Combine(TestPaths.RepoRoot, "src", "PyBridge", "python", "jobs");

    public async Task InitializeAsync() =>
        Host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(2) });

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A fresh directory holding one job module with the given source.</summary>
    public static string WriteJob(string name, string source)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pybridge-tests", UniqueName.For(name));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".py");
        File.WriteAllText(path, source);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class PythonCollection : ICollectionFixture<PythonHostFixture>
{
    public const string Name = "python";
}
