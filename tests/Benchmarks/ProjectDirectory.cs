namespace FeaturePlatform.Benchmarks;

/// <summary>Locates tests/Benchmarks in the source tree (results are written next to the project).</summary>
internal static class ProjectDirectory
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Benchmarks");
            if (File.Exists(Path.Combine(candidate, "FeaturePlatform.Benchmarks.csproj")))
            {
                return candidate;
            }
        }
        return Path.Combine(Environment.CurrentDirectory, "tests", "Benchmarks");
    }
}
