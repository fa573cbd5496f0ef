namespace FeaturePlatform.Web.Tests;

/// <summary>
/// Where the browser tests save their screenshots for review: <c>tests/Web.Tests/TestResults/screenshots/&lt;area&gt;</c>
/// in the source tree (found by walking up from the test assembly to this project's folder), or the folder named by
/// <c>FP_SCREENSHOTS</c> when set. The folder is stable across builds and configurations; each run overwrites the files
/// of the cases it runs, and nothing (neither the tests nor <c>scripts/test.sh</c>) deletes it.
/// </summary>
internal static class Screenshots
{
    /// <summary>The root folder.</summary>
    public static string Root { get; } = Environment.GetEnvironmentVariable("FP_SCREENSHOTS") is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(ProjectDirectory() ?? AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>The folder of one area (e.g. <c>pages</c>), created.</summary>
    public static string Dir(params string[] area)
    {
        var directory = Path.Combine([Root, .. area]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string? ProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FeaturePlatform.Web.Tests.csproj")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
