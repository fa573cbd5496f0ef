using System.Diagnostics;
using System.Globalization;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios.Cluster;

/// <summary>
/// Live and replay throughput of 1, 2 and 3 worker hosts (real processes, <c>Platform:Role=Worker</c>) sharing the Kafka
/// mock and the HBase fixture server. Each worker host is pinned with <c>taskset -c</c> to one core, the last core
/// first; the shared part (this process: Kafka mock and load generator; the HBase fixture server) is pinned to core 0.
/// So with 2 cores one host has a core to itself and the shared part the other; a second host shares core 0 with the
/// shared part; a third is over-subscribed. Speed-up is reported against 1 host (target ≥ 0.8·N for N ≤ cores).
/// The hosts run a release built by <c>scripts/publish.sh</c> (ReadyToRun), as deployed. Each cluster runs live and
/// replay three times (<c>FP_BENCH_CLUSTER_ROUNDS</c>; one with <c>--quick</c>) and reports its median round: single
/// rounds of the same code move by ±20 % on this machine.
/// </summary>
internal sealed class ClusterScaleOutScenario : IBenchmarkScenario
{
    /// <summary>How long each cluster idles (and is measured) after warm-up, before its live run: 20 s, or FP_BENCH_CLUSTER_IDLE_SECONDS (longer, to profile an idle host).</summary>
    private static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("FP_BENCH_CLUSTER_IDLE_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 20);

    public string Name => "cluster-scaleout";

    public string Description => "live and replay events/s with 1, 2 and 3 worker hosts (one core each, taskset) on the Kafka mock and the HBase fixture, vs 1 host";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var cores = Environment.ProcessorCount;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("FP_BENCH_CLUSTER_ROUNDS"), CultureInfo.InvariantCulture, out var r) && r > 0 ? r : context.Quick ? 1 : 3;
        var hostDll = await PublishReleaseAsync(context);
        var users = context.Quick ? 300 : 600;
        var ordersPerUser = int.TryParse(Environment.GetEnvironmentVariable("FP_BENCH_CLUSTER_ORDERS"), CultureInfo.InvariantCulture, out var o) ? o : context.Quick ? 5 : 20;
        var shards = 36;
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var all = cores > 1 ? $"0-{cores - 1}" : "0";
        // The shared part on core 0 (threads made later inherit it: the Kafka mock's, the producer's).
        await TasksetAsync(self, "0", context.CancellationToken);
        try
        {
            using var kafka = KafkaMockCluster.Start(brokers: 1);
            await using var hbase = await HBaseThriftServer.StartAsync(new HBaseThriftServerOptions(), context.CancellationToken);
            await TasksetAsync(hbase.Pid!.Value.ToString(CultureInfo.InvariantCulture), "0", context.CancellationToken);
            context.Log($"{cores} cores; Kafka mock (1 broker) + load generator (pid {self}) and HBase fixture (pid {hbase.Pid}) pinned to core 0; " +
                $"worker host i pinned to core (cores-1-i) mod cores; {users} users × {ordersPerUser} orders per run, {shards} replay shards");
            var live = new List<(double Rate, long Events, CpuSample Cpu)>();
            var replay = new List<(double Rate, long Events, CpuSample Cpu)>();
            (double All, double WithoutJit)? idle = null;
            // FP_BENCH_CLUSTER_HOSTS (e.g. "1" or "1,2"): run only these host counts (profiling); default 1,2,3.
            var counts = (Environment.GetEnvironmentVariable("FP_BENCH_CLUSTER_HOSTS") ?? "1,2,3").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
            foreach (var n in counts)
            {
                var cpuLists = Enumerable.Range(0, n).Select(i => (((cores - 1 - i) % cores + cores) % cores).ToString(CultureInfo.InvariantCulture)).ToList();
                context.Log($"{n} worker host(s) on cores {string.Join(",", cpuLists)}");
                await using var cluster = await ScaleOutCluster.StartAsync(kafka, hbase, users, [.. cpuLists.Select(cpus => (IReadOnlyList<string>?)["taskset", "-c", cpus])], hostDll, context.Log);
                await cluster.WarmUpAsync(context.CancellationToken);
                // Every cluster idles as long before its live run, so each live run starts as far past the hosts' start-up
                // (and the JIT's tier-up that follows it); the results keep the first cluster's idle figures.
                var (cpu, jit) = await cluster.IdleAsync(IdleTime, context.CancellationToken);
                idle ??= (cpu.Hosts / IdleTime.TotalSeconds / n, (cpu.Hosts - jit) / IdleTime.TotalSeconds / n);
                var lives = new List<(double Rate, long Events, CpuSample Cpu)>();
                for (var round = 0; round < rounds; round++)
                {
                    lives.Add(await cluster.LiveAsync(ordersPerUser, context.CancellationToken));
                }
                // Every replay round replays the same stored orders (all live rounds' orders).
                var replays = new List<(double Rate, long Events, CpuSample Cpu)>();
                for (var round = 0; round < rounds; round++)
                {
                    replays.Add(await cluster.ReplayAsync(shards, context.CancellationToken));
                }
                live.Add(Median(lives));
                replay.Add(Median(replays));
                context.Log($"{n} host(s), {rounds} round(s): live {string.Join(" / ", lives.Select(l => l.Rate.ToString("#,0", CultureInfo.InvariantCulture)))} events/s, " +
                    $"replay {string.Join(" / ", replays.Select(l => l.Rate.ToString("#,0", CultureInfo.InvariantCulture)))} events/s; the median round of each is reported");
            }
            return
            [
                .. Figures("live", live, cores, $"{users * ordersPerUser:#,0} orders produced to a {ScaleOutCluster.Partitions}-partition topic, ingested and run live (trigger-strong, one history read)"),
                .. Figures("replay", replay, cores, $"every stored order replayed as {shards} shards over Kafka"),
                Measurement.LowerIsBetter($"idle worker host: CPU while nothing flows, without the JIT's one-time tier-up ({IdleTime.TotalSeconds:0} s right after warm-up, groups settled, {counts[0]} host(s))",
                    100 * idle!.Value.WithoutJit, "% of a core", "1 % of a core (what an idle host may cost)", 1),
                Measurement.LowerIsBetter($"idle worker host: CPU while nothing flows, all threads (the same {IdleTime.TotalSeconds:0} s; a host started a minute ago still re-compiles hot methods optimised)",
                    100 * idle.Value.All, "% of a core", "1 % of a core (what an idle host may cost)", 1),
            ];
        }
        finally
        {
            await TasksetAsync(self, all, CancellationToken.None);
        }
    }

    /// <summary>
    /// Per run: the wall-clock rate of N hosts vs 1 (what a user sees; on a shared machine it also measures how much CPU
    /// the scheduler gave the run), the rate per worker-core second (events over the CPU the worker hosts and their
    /// Python workers used: what one worker core does, whatever else runs), and the shared part's CPU per event.
    /// </summary>
    private static IEnumerable<Measurement> Figures(string mode, IReadOnlyList<(double Rate, long Events, CpuSample Cpu)> runs, int cores, string what)
    {
        static double PerCore((double Rate, long Events, CpuSample Cpu) r) => r.Events / Math.Max(0.001, r.Cpu.Hosts + r.Cpu.Python);
        var one = runs[0];
        yield return Measurement.HigherIsBetter($"{mode} events/s, 1 worker host on one core: {what}", one.Rate, "events/s",
            "the same (ratio 1)", one.Rate);
        for (var n = 2; n <= runs.Count; n++)
        {
            var target = n <= cores ? $"target ratio ≥ {0.8 * n:0.0}" : $"over-subscribed: {n} hosts on {cores} cores, no target";
            yield return Measurement.HigherIsBetter($"{mode} events/s, {n} worker hosts, one core each ({Math.Min(n, cores)} cores in use)", runs[n - 1].Rate, "events/s",
                $"1 worker host, same run ({target})", one.Rate);
        }
        for (var n = 1; n <= runs.Count; n++)
        {
            yield return Measurement.HigherIsBetter($"{mode} events per worker-core second (CPU of the worker hosts + their Python workers), {n} worker host(s)", PerCore(runs[n - 1]),
                "events/core-s", "1 worker host, same run (per-core efficiency; ≥ 0.8 means N hosts on N free cores give ≥ 0.8·N)", PerCore(one));
        }
        for (var n = 1; n <= runs.Count; n++)
        {
            yield return Measurement.LowerIsBetter($"{mode}: CPU of the worker hosts' own processes (.NET: consume, store, trigger, outputs) per event, {n} worker host(s)",
                runs[n - 1].Cpu.Hosts * 1000 / runs[n - 1].Events, "ms", "the embedded-storage live drain's CPU per event, whole process (runtime-live-throughput: ≈ 0.16 ms)", 0.16);
        }
        var shared = one.Cpu.HBase * 1000 / one.Events;
        yield return Measurement.LowerIsBetter($"{mode}: CPU of the shared HBase fixture server per event, 1 worker host", shared, "ms",
            "CPU of the worker host + its Python workers per event (ratio < 1: the shared store costs more than a worker)", 1000 / PerCore(one));
    }

    /// <summary>The round with the median rate (the upper one of an even count).</summary>
    private static (double Rate, long Events, CpuSample Cpu) Median(List<(double Rate, long Events, CpuSample Cpu)> rounds) =>
        rounds.OrderBy(x => x.Rate).ElementAt(rounds.Count / 2);

    /// <summary>Builds the release the hosts run with <c>scripts/publish.sh</c> (as docs/deployment.md deploys it); its host DLL.</summary>
    private static async Task<string> PublishReleaseAsync(ScenarioContext context)
    {
        var release = Path.Combine(Path.GetTempPath(), "cluster-bench-release");
        var watch = Stopwatch.StartNew();
        var (code, output) = await ServerProcess.RunAsync("/bin/bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "publish.sh"), release],
            TimeSpan.FromMinutes(10), workingDirectory: TestPaths.RepoRoot);
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/publish.sh failed ({code}):\n{output}");
        }
        context.Log($"release published to {release} in {watch.Elapsed.TotalSeconds:0} s (ReadyToRun)");
        return Path.Combine(release, "FeaturePlatform.FeatureApi.dll");
    }

    /// <summary>Pins every thread of <paramref name="pid"/> to <paramref name="cpus"/> (taskset, util-linux).</summary>
    private static async Task TasksetAsync(string pid, string cpus, CancellationToken cancellationToken)
    {
        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpus, pid]) { RedirectStandardOutput = true })!;
        await taskset.StandardOutput.ReadToEndAsync(cancellationToken);
        await taskset.WaitForExitAsync(cancellationToken);
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset -a -p -c {cpus} {pid} failed ({taskset.ExitCode})");
        }
    }
}
