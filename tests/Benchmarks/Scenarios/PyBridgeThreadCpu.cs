using System.Globalization;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// CPU time of the host's worker threads and of the whole process, from <c>/proc/self/task</c> (clock ticks of
/// 10 ms). On a shared machine the wall-clock ratios swing with other builds' load; the workers' CPU time per event
/// swings much less, so the log shows it next to the throughput figures.
/// </summary>
internal readonly record struct PyBridgeThreadCpu(long Latency, long Bulk, long Process)
{
    private const double MicrosecondsPerTick = 10_000;

    public static PyBridgeThreadCpu Now()
    {
        long latency = 0, bulk = 0, process = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat, name;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
                name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }
            // Fields after "(comm) ": state is 0, utime 11, stime 12.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            process += ticks;
            if (name.StartsWith("python-latency", StringComparison.Ordinal))
            {
                latency += ticks;
            }
            else if (name.StartsWith("python-bulk", StringComparison.Ordinal))
            {
                bulk += ticks;
            }
        }
        return new PyBridgeThreadCpu(latency, bulk, process);
    }

    /// <summary>CPU µs per event since <paramref name="start"/>: the busier worker lane, and the whole process.</summary>
    public string PerEventSince(PyBridgeThreadCpu start, int events) =>
        string.Create(CultureInfo.InvariantCulture,
            $"worker {Math.Max(Latency - start.Latency, Bulk - start.Bulk) * MicrosecondsPerTick / events:0.00} µs, process {(Process - start.Process) * MicrosecondsPerTick / events:0.00} µs");
}
