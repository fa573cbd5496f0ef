using FeaturePlatform.PyBridge;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests;

/// <summary>One embedded interpreter (Debian's python3) for the test assembly: CPython is initialised once per process.</summary>
public sealed class PythonHostFixture : IAsyncLifetime
{
    public PythonHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(10) });

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Writes a job module into a fresh directory; returns its path.</summary>
    public static string WriteJob(string name, string source)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runtime-tests", UniqueName.For(name));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".py");
        File.WriteAllText(path, source);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<PythonHostFixture>, ICollectionFixture<Testing.Kafka.KafkaFixture>
{
    public const string Name = "runtime";
}
