using Confluent.Kafka;

namespace FeaturePlatform.Testing.Kafka;

/// <summary>Which librdkafka this process runs: the version Confluent.Kafka reports and the files mapped.</summary>
/// <remarks>
/// Confluent.Kafka and the fixtures' own P/Invokes (<see cref="MockNative"/>) must bind the same library: the
/// redist's build that Directory.Build.targets copies next to the assemblies. Were that copy missing, .NET would go
/// on to the system's librdkafka (Debian's 2.0.2, which lacks 2.x entry points) without a word.
/// </remarks>
public static class LoadedLibrdkafka
{
    /// <summary>The library file every project that references librdkafka.redist gets next to its assemblies.</summary>
    public static string ExpectedPath => Path.Combine(AppContext.BaseDirectory, "librdkafka.so");

    /// <summary>librdkafka's version string; loads the library if nothing has yet.</summary>
    public static string Version => Library.VersionString;

    /// <summary>The distinct librdkafka files mapped into this process (Linux: /proc/self/maps).</summary>
    public static IReadOnlyList<string> MappedFiles() =>
        [.. File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..] : "")
            .Where(path => Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct()];

    /// <summary>"2.16.0 (/path/librdkafka.so)": for benchmark and test logs.</summary>
    public static string Describe() => $"{Version} ({string.Join(", ", MappedFiles())})";
}
