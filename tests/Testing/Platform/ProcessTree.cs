using System.Globalization;

namespace FeaturePlatform.Testing.Platform;

/// <summary>
/// Which platform process a computation ran under. Job logic runs in worker processes (children of a runtime host), so
/// a job's <c>os.getpid()</c> names a worker; tests that check which host computed something map it to its host.
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

    private static long? ParentOf(long pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
