using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>Shared set-up of the PyBridge scenarios: a realistic feature job and an in-memory data source.</summary>
internal static class PyBridgeBench
{
    /// <summary>One fetch through the data source and a few dict operations.</summary>
    public const string Feature = """
        from featureplatform import job, Output, Param

        @job("bench_feature", triggers="orders", outputs=[Output("user_id", str), Output("tier", str, nullable=True),
             Output("amount", float), Output("limit_left", float)],
             params=[Param("default_limit", float, 1000.0, min=0)])
        def bench_feature(event, ctx):
            profile = ctx.fetch("user_profile", event.key)
            amount = float(event.data.get("amount", 0.0))
            limit = profile.get("limit", ctx.params["default_limit"]) if profile else ctx.params["default_limit"]
            return {"user_id": event.key, "tier": profile.get("tier") if profile else None,
                    "amount": amount, "limit_left": limit - amount}
        """;

    /// <summary>
    /// The same logic run by a pure-Python loop, fetching from an in-memory dict, inside the same interpreter:
    /// <c>run(job path, users with a profile, events, distinct event keys)</c>. Also the runtime scenarios' baseline.
    /// </summary>
    public const string Baseline = """
        import time
        from featureplatform import Context, Event
        from featureplatform._rows import normalise_rows
        from featureplatform.testing import load_job, resolve_params

        class DictSource:
            def __init__(self, states):
                self.states = states
            def fetch(self, source, key, as_of_ms, consistency):
                return self.states.get((source, key))
            def history(self, source, key, since_ms, until_ms, limit):
                return []

        def run(path, users, n, keys):
            spec = load_job(path)
            params = resolve_params(spec)
            source = DictSource({("user_profile", f"u{i}"): {"tier": "gold", "limit": 5000.0} for i in range(users)})
            events = [{"source": "orders", "key": f"u{i % keys}", "time_ms": i, "data": {"amount": 12.5}} for i in range(n)]
            started = time.perf_counter()
            for e in events:
                event = Event(e["source"], e["key"], e["time_ms"], e.get("data"), e.get("id"))
                normalise_rows(spec, spec.logic(event, Context(event, params, source, spec.consistency, spec.name)))
            return n / (time.perf_counter() - started)
        """;

    public const int Users = 1000;

    public static string WriteFiles()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pybridge-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "bench_feature.py"), Feature);
        File.WriteAllText(Path.Combine(dir, "bench_baseline.py.txt"), Baseline);
        return dir;
    }

    public static List<FeatureEvent> Events(int n) =>
        Enumerable.Range(0, n).Select(i => new FeatureEvent("orders", $"u{i % (2 * Users)}", i, """{"amount": 12.5}""")).ToList();

    /// <summary>Runs the pure-Python baseline inside the host's interpreter; returns calls/s.</summary>
    public static async Task<double> BaselineAsync(PythonHost host, string dir, int n)
    {
        var code = JsonSerializer.Serialize(File.ReadAllText(Path.Combine(dir, "bench_baseline.py.txt")));
        var path = JsonSerializer.Serialize(Path.Combine(dir, "bench_feature.py"));
        var expr = $"(lambda ns: (exec({code}, ns), ns['run']({path}, {Users}, {n}, {2 * Users}))[1])({{}})";
        return double.Parse(await host.EvaluateAsync(expr), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<LoadedJob> LoadAsync(PythonHost host, string dir) =>
        await host.LoadJobAsync(Path.Combine(dir, "bench_feature.py"), new DictionarySource(), new JobOptions { WatchForChanges = false });

    /// <summary>The same dictionary source (for runs through a worker process, whose reads come back to this one).</summary>
    public static IFeatureDataSource NewSource() => new DictionarySource();

    /// <summary>Worker processes as the runtime starts them, running the platform binary built by the solution.</summary>
    public static FeaturePlatform.Runtime.Workers.WorkerSupervisor Workers(PythonHostOptions python) => new(
        WorkerSettings() with { MemoryLimitMb = 0 }, python, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

    /// <summary>
    /// The runtime's default worker settings, but running the platform binary built by the solution: the benchmarks'
    /// output folder has no FeaturePlatform.FeatureApi.dll next to it, where a host looks by default.
    /// </summary>
    public static FeaturePlatform.Runtime.Workers.WorkerSettings WorkerSettings() => new()
    {
        Command = Path.Combine(FeaturePlatform.Testing.Infrastructure.TestPaths.RepoRoot, "src", "FeatureApi", "bin", "Release", "net10.0", "FeaturePlatform.FeatureApi"),
    };

    /// <summary>
    /// The same dictionary as settled history, as a replay run's settled-state cache serves it: each answer holds for every
    /// as-of time, so a worker process keeps it and answers the entity's later fetches itself.
    /// </summary>
    public static IFeatureDataSource NewSettledSource() => new SettledDictionarySource();

    private sealed class SettledDictionarySource : DictionarySource, FeaturePlatform.Runtime.Execution.ISettledFetches
    {
        public object? SettledScope => this;

        public bool TryGetSettled(string source, string key, long asOfMs, out string? json, out long fromMs, out long untilMs)
        {
            (json, fromMs, untilMs) = (Fetch(source, key, asOfMs, Consistency.Eventual), long.MinValue, long.MaxValue);
            return true;
        }

        public bool TryGetSettledRange(string source, string key, long asOfMs, out long fromMs, out long untilMs)
        {
            (fromMs, untilMs) = (long.MinValue, long.MaxValue);
            return true;
        }

        public ValueTask<FeaturePlatform.Runtime.Execution.SettledRead?> ReadSettledAsync(string source, string key, long asOfMs, CancellationToken cancellationToken) =>
            ValueTask.FromResult<FeaturePlatform.Runtime.Execution.SettledRead?>(new(Fetch(source, key, asOfMs, Consistency.Eventual), long.MinValue, long.MaxValue));
    }

    /// <summary>The C# side of the fetch: a dictionary of JSON states (what an event-center cache would hand over).</summary>
    private class DictionarySource : IFeatureDataSource
    {
        private readonly Dictionary<string, string> _states =
            Enumerable.Range(0, Users).ToDictionary(i => $"u{i}", _ => """{"tier":"gold","limit":5000.0}""");

        public bool MayBlock => false;

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) =>
            _states.TryGetValue(key, out var json) ? json : null;

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => "[]";
    }
}
