using System.Diagnostics;
using System.Globalization;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// CPU time and context switches at one moment of this process (the host) and of a job's worker processes
/// (<c>/proc/&lt;pid&gt;/stat</c>, <c>/proc/&lt;pid&gt;/task/*/status</c>), so a worker-process figure says which side of the
/// socket its time per event goes to, and how many thread wake-ups each event costs there.
/// </summary>
internal readonly record struct WorkerCpu(TimeSpan Host, double Workers, long HostSwitches, long WorkerSwitches)
{
    /// <summary>Samples this process and the worker processes <paramref name="pids"/>.</summary>
    public static WorkerCpu Take(IReadOnlyList<int> pids) =>
        new(Process.GetCurrentProcess().TotalProcessorTime, pids.Sum(pid => Cluster.CpuSample.Seconds(pid) ?? 0), Switches(Environment.ProcessId),
            pids.Sum(Switches));

    /// <summary>Host and worker CPU and context switches per event since <paramref name="earlier"/>, for <paramref name="events"/> events.</summary>
    public string PerEventSince(WorkerCpu earlier, int events) => string.Create(CultureInfo.InvariantCulture,
        $"host {(Host - earlier.Host).TotalMicroseconds / events:0.0} µs, worker {(Workers - earlier.Workers) * 1e6 / events:0.0} µs; " +
        $"context switches host {(double)(HostSwitches - earlier.HostSwitches) / events:0.00}, worker {(double)(WorkerSwitches - earlier.WorkerSwitches) / events:0.00}");

    /// <summary>Voluntary and involuntary context switches of all threads of process <paramref name="pid"/> (0 when gone).</summary>
    private static long Switches(int pid)
    {
        long sum = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            sum += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // the thread ended between listing and reading
                }
            }
        }
        catch (IOException)
        {
            return 0;
        }
        return sum;
    }
}
