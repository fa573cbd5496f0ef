using System.Diagnostics;
using System.Globalization;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// CPU time at one moment of this process (the host) and of a job's worker processes (<c>/proc/&lt;pid&gt;/stat</c>), so a
/// worker-process figure says which side of the socket its time per event goes to.
/// </summary>
internal readonly record struct WorkerCpu(TimeSpan Host, double Workers)
{
    /// <summary>Samples this process and the worker processes <paramref name="pids"/>.</summary>
    public static WorkerCpu Take(IReadOnlyList<int> pids) =>
        new(Process.GetCurrentProcess().TotalProcessorTime, pids.Sum(pid => Cluster.CpuSample.Seconds(pid) ?? 0));

    /// <summary>Host and worker CPU per event since <paramref name="earlier"/>, for <paramref name="events"/> events.</summary>
    public string PerEventSince(WorkerCpu earlier, int events) => string.Create(CultureInfo.InvariantCulture,
        $"host {(Host - earlier.Host).TotalMicroseconds / events:0.0} µs, worker {(Workers - earlier.Workers) * 1e6 / events:0.0} µs");
}
