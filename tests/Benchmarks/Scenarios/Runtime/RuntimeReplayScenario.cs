using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Benchmarks.Scenarios.Runtime;

/// <summary>Replay events/s over stored history through the job (one as-of fetch per event) vs the same logic in a pure-Python loop over a dict.</summary>
internal sealed class RuntimeReplayScenario : IBenchmarkScenario
{
    public string Name => "runtime-replay";

    public string Description => "replay of stored orders through the example job shape (one as-of fetch per event, embedded store) vs a pure-Python loop over an in-memory dict";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var events = context.Quick ? 100_000 : 1_000_000;
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-replay-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = Path.Combine(root, "store");
            await RuntimeBench.BuildStoreAsync(store, events, context.Log, context.CancellationToken);
            var jobs = RuntimeBench.WriteJob();
            var shards = int.TryParse(Environment.GetEnvironmentVariable("FP_BENCH_REPLAY_SHARDS"), out var s) ? s : 2;
            await using var host = await PythonHost.StartAsync(new PythonHostOptions { CallTimeout = TimeSpan.FromSeconds(30), BulkWorkers = shards });
            var (done, seconds) = await RuntimeBench.ReplayAsync(host, jobs, store, RuntimeBench.T0, RuntimeBench.T0 + events, shards, context.CancellationToken);
            var rate = done / seconds;
            context.Log($"replay: {done:#,0} events in {seconds:0.0} s = {rate:#,0} events/s");
            var (uncachedDone, uncachedSeconds) = await RuntimeBench.ReplayAsync(host, jobs, store, RuntimeBench.T0, RuntimeBench.T0 + events, shards,
                context.CancellationToken, cacheEntries: 0);
            var uncached = uncachedDone / uncachedSeconds;
            context.Log($"replay without the settled-state cache: {uncached:#,0} events/s");
            var baseline = await RuntimeBench.BaselineAsync(host, jobs, RuntimeBench.UsersFor(events), Math.Min(events, 300_000));
            context.Log($"pure-Python loop: {baseline:#,0} events/s");
            var (scan, fetch) = await RuntimeBench.BreakdownAsync(store, events, context.CancellationToken);
            context.Log($"breakdown (one thread each): event-store scan {scan:#,0} events/s, as-of fetch {fetch:#,0} fetches/s");
            return
            [
                Measurement.HigherIsBetter($"replay {done:#,0} stored events, one as-of fetch each", rate, "events/s",
                    "pure-Python loop, same logic, dict fetch (target ratio ≥ 0.3)", baseline),
                Measurement.HigherIsBetter("replay without the settled-state cache (reference)", uncached, "events/s",
                    "pure-Python loop, same logic, dict fetch", baseline),
            ];
        }
        finally
        {
            TryDelete(root);
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
