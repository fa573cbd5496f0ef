using System.Globalization;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Benchmarks.Scenarios.Cluster;

/// <summary>
/// CPU time (user + system, from <c>/proc/&lt;pid&gt;/stat</c>) of the parts of a benchmark cluster at one moment: the
/// worker hosts' own processes (.NET: consume, store, trigger, outputs), their Python worker processes (the logic), the
/// HBase fixture server (the event store) and this process (the Kafka mock and the load generator). The difference of
/// two samples says where the time of a run went. Processes that ended between samples are not counted.
/// </summary>
internal sealed record CpuSample(double Hosts, double Python, double HBase, double Driver)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Seconds of CPU used by each part since <paramref name="earlier"/>.</summary>
    public CpuSample Since(CpuSample earlier) => new(Hosts - earlier.Hosts, Python - earlier.Python, HBase - earlier.HBase, Driver - earlier.Driver);

    /// <summary>All parts together.</summary>
    public double Total => Hosts + Python + HBase + Driver;

    /// <summary>Reads every process of the machine and adds each to the part it belongs to.</summary>
    public static CpuSample Take(IReadOnlySet<long> hosts, long hbase)
    {
        var self = (long)Environment.ProcessId;
        var hbaseSet = new HashSet<long> { hbase };
        double h = 0, py = 0, hb = 0, me = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!long.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Seconds(pid) is not { } seconds)
            {
                continue;
            }
            if (hosts.Contains(pid))
            {
                h += seconds;
            }
            else if (pid == self)
            {
                me += seconds;
            }
            else if (ProcessTree.HostOf(pid, hbaseSet) is not null)
            {
                hb += seconds;
            }
            else if (ProcessTree.HostOf(pid, hosts) is not null)
            {
                py += seconds;
            }
        }
        return new CpuSample(h, py, hb, me);
    }

    /// <summary>"hosts 1.2 s, python 3.4 s, …" with each part's share.</summary>
    public override string ToString() => Total <= 0 ? "no CPU used" : string.Create(CultureInfo.InvariantCulture,
        $"worker hosts (.NET) {Hosts:0.0} s ({Hosts / Total:P0}), Python workers {Python:0.0} s ({Python / Total:P0}), HBase fixture {HBase:0.0} s ({HBase / Total:P0}), Kafka mock + load generator {Driver:0.0} s ({Driver / Total:P0})");

    /// <summary>
    /// CPU seconds per thread (by thread id) of the threads of <paramref name="pids"/> named <paramref name="threadName"/>
    /// (as /proc's comm shows it: at most 15 characters, e.g. ".NET Tiered Com" for the JIT's background tier-up thread).
    /// </summary>
    public static Dictionary<long, double> ThreadSeconds(IEnumerable<long> pids, string threadName)
    {
        var threads = new Dictionary<long, double>();
        foreach (var pid in pids)
        {
            var tasks = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task";
            if (!Directory.Exists(tasks))
            {
                continue;
            }
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                try
                {
                    if (long.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                        && File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == threadName && Seconds(Path.Combine(task, "stat")) is { } seconds)
                    {
                        threads[tid] = seconds;
                    }
                }
                catch (IOException)
                {
                    // The thread ended.
                }
            }
        }
        return threads;
    }

    /// <summary>
    /// CPU seconds the threads in <paramref name="after"/> used since <paramref name="before"/> (a thread made meanwhile:
    /// all of its time). A thread that ended meanwhile is not counted: the runtime ends its tier-up thread when it has
    /// nothing to do and makes a new one later, and an ended thread's time cannot be read.
    /// </summary>
    public static double ThreadSecondsSince(Dictionary<long, double> before, Dictionary<long, double> after) =>
        after.Sum(t => t.Value - before.GetValueOrDefault(t.Key));

    /// <summary>CPU seconds (user + system) process <paramref name="pid"/> has used; null when it is gone.</summary>
    internal static double? Seconds(long pid) => Seconds($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    private static double? Seconds(string statPath)
    {
        try
        {
            var stat = File.ReadAllText(statPath);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
