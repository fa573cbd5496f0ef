using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>
/// Replay throughput of 2 runtime processes vs 1: the GIL makes a process the unit of scale. Each process is a child
/// (this program in worker mode) replaying its share of the time range through the job from its own copy of the
/// embedded store; throughput is events over the wall time from the first start to the last end of the replays.
/// </summary>
internal sealed class RuntimeScaleOutScenario : IBenchmarkScenario
{
    public const string WorkerFlag = "--runtime-replay-worker";

    public string Name => "runtime-scaleout";

    public string Description => "replay events/s with 2 worker processes vs 1 (a compute-bound job and the light one), and 2 runtime processes vs 1: one core per process (taskset), and cores shared";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var events = context.Quick ? 100_000 : 300_000;
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-scaleout-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var stores = new[] { Path.Combine(root, "store0"), Path.Combine(root, "store1") };
            await RuntimeBench.BuildStoreAsync(stores[0], events, context.Log, context.CancellationToken);
            CopyDirectory(stores[0], stores[1]);
            var jobs = RuntimeBench.WriteJob();
            var (from, to) = (RuntimeBench.T0, RuntimeBench.T0 + events);
            var mid = from + events / 2;
            // A runtime process is the unit of scale-out. On a machine with few cores one process already spreads over
            // more than one (the logic's thread, the scans, the outputs), so the machine-wide figure mostly shows the core
            // count; pinning each process to a core of its own (taskset) shows what adding a process adds.
            var onePinned = await RunWorkersAsync(root, jobs, [(stores[0], from, to)], context, pinned: true);
            var twoPinned = await RunWorkersAsync(root, jobs, [(stores[0], from, mid), (stores[1], mid, to)], context, pinned: true);
            context.Log($"one core per process: 1 process {onePinned:#,0} events/s, 2 processes {twoPinned:#,0} events/s");
            var one = await RunWorkersAsync(root, jobs, [(stores[0], from, to)], context, pinned: false);
            var two = await RunWorkersAsync(root, jobs, [(stores[0], from, mid), (stores[1], mid, to)], context, pinned: false);
            context.Log($"unpinned ({Environment.ProcessorCount} cores shared): 1 process {one:#,0} events/s, 2 processes {two:#,0} events/s");
            // Worker processes instead of whole processes (Runtime:Workers:Mode=Process, PerJob 1 or 2): one host reads the
            // store and runs 1 or 2 replay runners; the job's logic runs in its workers, each pinned to a core of its own.
            var oneWorker = await WorkerLaneAsync(stores[0], jobs, from, to, 1, context);
            var twoWorkers = await WorkerLaneAsync(stores[0], jobs, from, to, 2, context);
            context.Log($"worker processes, one core each: 1 worker {oneWorker.Rate:#,0} events/s, 2 workers {twoWorkers.Rate:#,0} events/s; " +
                $"per worker-CPU-second {oneWorker.PerWorkerCpuSecond:#,0} vs {twoWorkers.PerWorkerCpuSecond:#,0}");
            // The same with a compute-bound job (a scoring model evaluated in Python): the workers, not the host, are then
            // what the replay waits for, so the ratio shows what a second worker process adds. With the light job above,
            // 1 worker already leaves the host (unpinned, sharing the 2 cores with the workers) as the bottleneck.
            var scoring = RuntimeBench.WriteJob(RuntimeBench.ScoringFeature);
            var scored = events / 5;
            double pythonRate;
            await using (var python = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30), BulkWorkers = 1 }))
            {
                pythonRate = await RuntimeBench.BaselineAsync(python, scoring, RuntimeBench.UsersFor(events), 20_000);
            }
            var oneScoring = await WorkerLaneAsync(stores[0], scoring, from, from + scored, 1, context);
            var twoScoring = await WorkerLaneAsync(stores[0], scoring, from, from + scored, 2, context);
            context.Log($"compute-bound job (pure Python {pythonRate:#,0} events/s, {1e6 / pythonRate:0} µs an event): 1 worker {oneScoring.Rate:#,0} events/s, " +
                $"2 workers {twoScoring.Rate:#,0} events/s");
            return
            [
                Measurement.HigherIsBetter($"replay {scored:#,0} events of a compute-bound job ({1e6 / pythonRate:0} µs of Python an event), one host with 2 worker processes, one core each",
                    twoScoring.Rate, "events/s", "the same host with 1 worker process on one core (target ratio ≥ 1.6)", oneScoring.Rate),
                Measurement.HigherIsBetter($"replay {scored:#,0} events of the compute-bound job, 1 worker process", oneScoring.Rate, "events/s",
                    "the job's pure-Python loop in one interpreter, same run (the cost of the worker boundary)", pythonRate),
                Measurement.HigherIsBetter($"replay {events:#,0} events, one host with 2 worker processes, one core each", twoWorkers.Rate, "events/s",
                    "the same host with 1 worker process on one core (light job: the host is the bottleneck)", oneWorker.Rate),
                Measurement.HigherIsBetter($"replay {events:#,0} events, 2 worker processes: events per worker-CPU-second (/proc/<pid>/stat)", twoWorkers.PerWorkerCpuSecond,
                    "events/CPU-s", "1 worker process, same replay (1.0: adding a worker costs no CPU per event)", oneWorker.PerWorkerCpuSecond),
                Measurement.HigherIsBetter($"replay {events:#,0} events, 2 worker processes: events per host-CPU-second", twoWorkers.PerHostCpuSecond,
                    "events/CPU-s", "1 worker process, same replay", oneWorker.PerHostCpuSecond),
                Measurement.HigherIsBetter($"replay {events:#,0} events, 2 processes, one core each", twoPinned, "events/s",
                    "1 process on one core, same replay (target ratio ≥ 1.6)", onePinned),
                Measurement.HigherIsBetter($"replay {events:#,0} events, 2 processes, cores shared (reference)", two, "events/s",
                    $"1 process, same replay, all {Environment.ProcessorCount} cores", one),
            ];
        }
        finally
        {
            RuntimeReplayScenario.TryDelete(root);
        }
    }

    /// <summary>Worker mode: replays [from, to) of a store and prints "RESULT events startMs endMs".</summary>
    public static async Task<int> WorkerAsync(string[] args)
    {
        var (jobs, store) = (args[0], args[1]);
        var from = long.Parse(args[2], CultureInfo.InvariantCulture);
        var to = long.Parse(args[3], CultureInfo.InvariantCulture);
        // One runner and one bulk worker: a process is about one core (the GIL), the unit this scenario scales.
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30), BulkWorkers = 1 });
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (done, _) = await RuntimeBench.ReplayAsync(host, jobs, store, from, to, 1, CancellationToken.None);
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / Math.Max(1, end - start);
        Console.WriteLine(FormattableString.Invariant($"RESULT {done} {start} {end} {cores:0.00}"));
        return 0;
    }

    /// <summary>
    /// Replays [from, to) in one host whose job lane has <paramref name="workers"/> worker processes, worker i pinned to core i
    /// (the host itself is not pinned); returns events/s and events per CPU-second of the workers (all together, from
    /// /proc/&lt;pid&gt;/stat) and of the host.
    /// </summary>
    private static async Task<(double Rate, double PerWorkerCpuSecond, double PerHostCpuSecond)> WorkerLaneAsync(string store, string jobs, long from, long to, int workers, ScenarioContext context)
    {
        var python = new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30), BulkWorkers = 1 };
        await using var host = await PythonHost.StartAsync(python);
        await using var supervisor = new FeaturePlatform.Runtime.Workers.WorkerSupervisor(PyBridgeBench.WorkerSettings() with { MemoryLimitMb = 0, PerJob = workers },
            python, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        // A short replay starts the lane's workers; then each is pinned (all its threads) to a core of its own.
        await RuntimeBench.ReplayAsync(host, jobs, store, from, from + (2_000 * workers), workers, context.CancellationToken, workers: supervisor);
        var pids = supervisor.ProcessIdsOf(RuntimeBench.JobName);
        if (pids.Count != workers)
        {
            throw new InvalidOperationException($"expected {workers} worker processes, found {pids.Count}");
        }
        for (var i = 0; i < pids.Count; i++)
        {
            using var taskset = Process.Start("taskset", ["-a", "-p", "-c", (i % Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture), pids[i].ToString(CultureInfo.InvariantCulture)]);
            await taskset.WaitForExitAsync(context.CancellationToken);
        }
        var before = pids.Select(pid => Cluster.CpuSample.Seconds(pid) ?? 0).ToArray();
        var hostBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (done, seconds) = await RuntimeBench.ReplayAsync(host, jobs, store, from, to, workers, context.CancellationToken, workers: supervisor);
        var hostCpu = (Process.GetCurrentProcess().TotalProcessorTime - hostBefore).TotalSeconds;
        var used = pids.Select((pid, i) => (Cluster.CpuSample.Seconds(pid) ?? before[i]) - before[i]).ToArray();
        context.Log(FormattableString.Invariant(
            $"{workers} worker process(es): {done:#,0} events in {seconds:0.00} s; worker CPU {string.Join(" + ", used.Select(u => $"{u:0.00} s"))}; host CPU {hostCpu:0.00} s ({hostCpu / seconds:0.00} cores); load {File.ReadAllText("/proc/loadavg").Trim()}"));
        return (done / seconds, done / Math.Max(0.01, used.Sum()), done / Math.Max(0.01, hostCpu));
    }

    private static async Task<double> RunWorkersAsync(string root, string jobs, IReadOnlyList<(string Store, long From, long To)> shares, ScenarioContext context,
        bool pinned)
    {
        var self = typeof(RuntimeScaleOutScenario).Assembly.Location;
        var processes = shares.Select((s, i) =>
        {
            string[] worker = ["dotnet", self, WorkerFlag, jobs, s.Store, s.From.ToString(CultureInfo.InvariantCulture), s.To.ToString(CultureInfo.InvariantCulture)];
            // taskset (util-linux) pins the process and its threads to core i.
            return pinned
                ? ServerProcess.Start($"replay-worker{i}", "taskset", ["-c", (i % Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture), .. worker],
                    Path.Combine(root, $"worker{shares.Count}-{i}-pinned.log"))
                : ServerProcess.Start($"replay-worker{i}", worker[0], worker[1..], Path.Combine(root, $"worker{shares.Count}-{i}.log"));
        }).ToList();
        try
        {
            var results = new List<(long Events, long Start, long End, string Cores)>();
            foreach (var process in processes)
            {
                var deadline = Stopwatch.StartNew();
                string? line;
                while ((line = process.TailLog().Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))) is null)
                {
                    if (!process.IsRunning && process.TailLog().Split('\n').All(l => !l.StartsWith("RESULT ", StringComparison.Ordinal)))
                    {
                        throw new InvalidOperationException($"{process.Name} ended without a result:\n{process.TailLog()}");
                    }
                    if (deadline.Elapsed > TimeSpan.FromMinutes(9))
                    {
                        throw new TimeoutException($"{process.Name} did not finish:\n{process.TailLog()}");
                    }
                    await Task.Delay(100, context.CancellationToken);
                }
                var parts = line.Trim().Split(' ');
                results.Add((long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture), parts[4]));
            }
            var events = results.Sum(r => r.Events);
            var wall = (results.Max(r => r.End) - results.Min(r => r.Start)) / 1000.0;
            context.Log($"{shares.Count} process(es): {events:#,0} events in {wall:0.00} s (each: {string.Join(", ", results.Select(r => $"{(r.End - r.Start) / 1000.0:0.00} s using {r.Cores} cores"))}; machine: {Environment.ProcessorCount} cores)");
            return events / wall;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
