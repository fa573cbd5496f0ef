using System.Globalization;

namespace FeaturePlatform.Benchmarks.Scenarios.Calls;

/// <summary>
/// Watches the host process during one wrk run: its CPU time (user + system, from <c>/proc/&lt;pid&gt;/stat</c>), which
/// divided by the calls is the CPU per call — far less sensitive to other load on the machine than calls/s — and the
/// largest size each embedded database's write-ahead log reached (sampled every 100 ms).
/// </summary>
internal sealed class HostSampler : IAsyncDisposable
{
    private static readonly string[] Databases = ["hot", "cold", "bus"];
    private readonly int pid;
    private readonly string? dataDirectory;
    private readonly double startCpuMs;
    private readonly Dictionary<string, long> peakWalBytes = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;

    private HostSampler(int pid, string? dataDirectory)
    {
        this.pid = pid;
        this.dataDirectory = dataDirectory;
        startCpuMs = CpuMs();
        sampling = SampleAsync();
    }

    /// <summary>Starts watching <paramref name="pid"/> and the logs under <paramref name="dataDirectory"/> (null: none).</summary>
    public static HostSampler Start(int pid, string? dataDirectory) => new(pid, dataDirectory);

    /// <summary>Stops sampling; returns the host's CPU milliseconds since the start and the peak log sizes in bytes.</summary>
    public async Task<(double CpuMs, IReadOnlyDictionary<string, long> PeakWalBytes)> StopAsync()
    {
        var cpu = CpuMs() - startCpuMs;
        await stop.CancelAsync();
        await sampling;
        return (cpu, peakWalBytes);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }

    private async Task SampleAsync()
    {
        if (dataDirectory is null)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                foreach (var name in Databases)
                {
                    var wal = new FileInfo(Path.Combine(dataDirectory, name, name == "bus" ? "bus.db-wal" : "widetables.db-wal"));
                    var size = wal.Exists ? wal.Length : 0;
                    peakWalBytes[name] = Math.Max(peakWalBytes.GetValueOrDefault(name), size);
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    /// <summary>utime + stime of the process (fields 14 and 15 of /proc/pid/stat, in clock ticks of 10 ms).</summary>
    private double CpuMs()
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 10.0;
    }
}
