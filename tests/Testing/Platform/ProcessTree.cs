using System.Globalization;

namespace FeaturePlatform.Testing.Platform;

/// <summary>
/// Which platform process a computation ran under. Job logic runs in worker processes (children of a runtime host), so
/// a job's <c>os.getpid()</c> names a worker; tests that check which host computed something map it to its host. Also a
/// process's children and descendants from /proc, for tests and for stopping a server with everything it started.
/// </summary>
public static class ProcessTree
{
    /// <summary>
    /// <paramref name="pid"/> itself when it is one of <paramref name="hosts"/> (logic in process), else the first of
    /// its ancestors that is; null when none is or the process is gone (a killed host's workers exit with it).
    /// </summary>
    public static long? HostOf(long pid, IReadOnlySet<long> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        for (var (current, depth) = (pid, 0); depth < 8 && current > 1; depth++)
        {
            if (hosts.Contains(current))
            {
                return current;
            }
            if (ParentOf(current) is not { } parent)
            {
                return null;
            }
            current = parent;
        }
        return null;
    }

    /// <summary>The processes whose parent is <paramref name="pid"/> now.</summary>
    public static IReadOnlyList<int> ChildrenOf(int pid) => [.. Pids().Where(p => ParentOf(p) == pid)];

    /// <summary>
    /// <paramref name="pid"/>'s children, their children and so on, now (a process whose parent died is re-parented and
    /// no longer found from it: take this while the tree is whole).
    /// </summary>
    public static IReadOnlyList<int> DescendantsOf(int pid)
    {
        var parents = Pids().Select(p => (Pid: p, Parent: ParentOf(p))).Where(p => p.Parent is not null).ToLookup(p => p.Parent!.Value, p => p.Pid);
        var found = new List<int>();
        var next = new Queue<int>([pid]);
        while (next.TryDequeue(out var current) && found.Count < 10_000)
        {
            foreach (var child in parents[current])
            {
                found.Add(child);
                next.Enqueue(child);
            }
        }
        return found;
    }

    /// <summary>What <paramref name="pid"/>'s standard output is (e.g. <c>pipe:[123]</c>); null when it cannot be read.</summary>
    public static string? OutputOf(int pid) => LinkOf($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd/1");

    /// <summary>The processes holding <paramref name="file"/> (as <see cref="OutputOf"/> names it) open, as "pid command".</summary>
    public static IReadOnlyList<string> HoldersOf(string? file) => file is null ? [] :
        [.. Pids().Where(p => Descriptors(p).Any(fd => LinkOf(fd) == file)).Select(p => $"{p} {Command(p)}")];

    /// <summary>True while <paramref name="pid"/> runs (a zombie, ended but not yet reaped, does not).</summary>
    public static bool IsLive(int pid) => Field(pid, 0) is { } state && state != "Z" && state != "X";

    private static IEnumerable<string> Descriptors(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? LinkOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static IEnumerable<int> Pids() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0).Where(p => p > 0);

    private static long? ParentOf(long pid) => long.TryParse(Field(pid, 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;

    /// <summary>Field <paramref name="index"/> of /proc/&lt;pid&gt;/stat after the command name (0: state, 1: parent pid); null once the process is gone.</summary>
    private static string? Field(long pid, int index)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[index];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
