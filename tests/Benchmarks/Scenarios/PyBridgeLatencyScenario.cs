using System.Diagnostics;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>p99 of single calls while another thread keeps the bulk lane busy with batches.</summary>
internal sealed class PyBridgeLatencyScenario : IBenchmarkScenario
{
    public string Name => "pybridge-latency";

    public string Description => "p99 of single embedded-Python calls while batches run on another thread (target ≤ 5 ms)";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var calls = context.Quick ? 2_000 : 20_000;
        var dir = PyBridgeBench.WriteFiles();
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { LatencyWorkers = 1 });
        await using var job = await PyBridgeBench.LoadAsync(host, dir);
        var events = PyBridgeBench.Events(10_000);
        var batch = events.Take(5_000).ToList();

        var idle = await MeasureAsync(job, events, calls / 4);
        using var stop = new CancellationTokenSource();
        long bulkEvents = 0;
        var bulk = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await job.InvokeBatchAsync(batch);
                Interlocked.Add(ref bulkEvents, batch.Count);
            }
        });
        var bulkWatch = Stopwatch.StartNew();
        var loaded = await MeasureAsync(job, events, calls);
        var bulkRate = Interlocked.Read(ref bulkEvents) / bulkWatch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await bulk;

        context.Log($"idle: p50 {idle.P50:0.000} ms p99 {idle.P99:0.000} ms; under bulk: p50 {loaded.P50:0.000} ms p99 {loaded.P99:0.000} ms max {loaded.Max:0.0} ms; bulk {bulkRate:0} events/s meanwhile");
        return
        [
            Measurement.AgainstTarget("p99 single call under bulk load", loaded.P99, "ms", 5),
            Measurement.LowerIsBetter("p50 single call under bulk load", loaded.P50, "ms", "p50 single call, idle host", idle.P50),
            Measurement.HigherIsBetter("bulk events/s while serving single calls", bulkRate, "events/s", "none (informational)", bulkRate),
        ];
    }

    private static async Task<(double P50, double P99, double Max)> MeasureAsync(PyBridge.Jobs.LoadedJob job, List<FeatureEvent> events, int calls)
    {
        var latencies = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await job.InvokeAsync(events[i % events.Count]);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(latencies);
        return (latencies[calls / 2], latencies[(int)(calls * 0.99)], latencies[^1]);
    }
}
