using System.Text.RegularExpressions;

namespace FeaturePlatform.Architecture.Tests;

/// <summary>
/// Product code reads the time from an injected <see cref="TimeProvider"/> (tests drive it with a fake clock) or
/// measures elapsed time with <see cref="System.Diagnostics.Stopwatch"/>; the wall clock read directly makes behaviour
/// (watermarks, leases, retention, file names) untestable and is refused here.
/// </summary>
public sealed partial class ClockRulesTests
{
    [Fact]
    public void Source_code_never_reads_the_wall_clock_directly()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}Generated{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => WallClock().IsMatch(l.Text) && !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(l => $"{Path.GetRelativePath(src, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "Use an injected TimeProvider (or Stopwatch for elapsed time):\n" + string.Join("\n", offenders));
    }

    [GeneratedRegex(@"\bDateTime(Offset)?\.(UtcNow|Now|Today)\b")]
    private static partial Regex WallClock();

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FeaturePlatform.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"FeaturePlatform.sln not found above {AppContext.BaseDirectory}.");
    }
}
