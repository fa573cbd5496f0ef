namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>What a running process was started with, read from <c>/proc</c> (Linux).</summary>
public static class ProcessEnvironment
{
    /// <summary>The environment variable <paramref name="name"/> of process <paramref name="pid"/> as it was started; null where unset.</summary>
    public static string? Variable(int pid, string name)
    {
        var prefix = name + "=";
        return File.ReadAllText($"/proc/{pid}/environ").Split('\0')
            .Where(entry => entry.StartsWith(prefix, StringComparison.Ordinal))
            .Select(entry => entry[prefix.Length..])
            .LastOrDefault();
    }

    /// <summary>The pids of the direct children of process <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid) =>
    [
        .. Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
            .Select(int.Parse),
    ];
}
