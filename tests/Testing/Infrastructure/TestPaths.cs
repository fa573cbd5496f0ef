namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>Where fixtures keep their data and logs, and where the repository is.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    /// <summary>The repository root (the folder holding FeaturePlatform.sln).</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>
    /// A fresh directory for one server's data and logs under $TMPDIR/featureplatform-tests; kept after the run
    /// so logs can be read when something failed.
    /// </summary>
    public static string NewServerDirectory(string server)
    {
        var dir = Path.Combine(Path.GetTempPath(), "featureplatform-tests", $"{server}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FeaturePlatform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"FeaturePlatform.sln not found above {AppContext.BaseDirectory}.");
    }
}
