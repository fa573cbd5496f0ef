using System.Net.Http.Json;
using System.Text.Json;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Testing.Platform;

namespace FeaturePlatform.Benchmarks.Scenarios.Calls;

/// <summary>
/// Request–poll round trip through the bus: the FeatureApi host (this build's configuration, as a child process) with a
/// trivial job, loaded by Debian's <c>wrk</c> POSTing calls with unique request ids and a wait long enough for the
/// answer to come back in the POST (200), at 1, 4 and 32 connections. Once on the embedded bus (targets: ≥ 5,000 calls/s
/// with p99 ≤ 20 ms at 32 connections, p50 ≤ 1 ms at 1), once on librdkafka's mock Kafka cluster (target ≥ 2,000
/// calls/s at 32). Same-run baseline: wrk GETting <c>/health/live</c> of the same host with the same connections
/// (HTTP + ASP.NET Core alone); every throughput row's ratio is calls/s over that.
/// </summary>
internal sealed class RequestPollScenario : IBenchmarkScenario
{
    private const string Job = "echo";
    private const string ApiKey = "bench-calls-key";
    private const string CallsTopic = "featureplatform-calls";
    /// <summary>One connection: the round trip of a lone request. Four and 32: the same under concurrent load.</summary>
    private static readonly int[] ConnectionCounts = [1, 4, 32];

    /// <summary>The trivial job: echoes the request's key.</summary>
    private const string EchoJob = """
        from featureplatform import Output, job

        @job("echo", triggers="requests", outputs=[Output("echo", str, "The request's key.")])
        def echo(event, ctx):
            return {"echo": event.key}
        """;

    public string Name => "request-poll";

    public string Description => "request–poll round trip (POST → bus → call worker → answer in the POST) under wrk, embedded bus and Kafka mock, vs GET /health/live";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        var duration = TimeSpan.FromSeconds(context.Quick ? 5 : 20);
        var jobs = Path.Combine(Path.GetTempPath(), "fp-bench-calls-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(jobs);
        await File.WriteAllTextAsync(Path.Combine(jobs, Job + ".py"), EchoJob, context.CancellationToken);
        try
        {
            var results = new List<Measurement>();
            results.AddRange(await MeasureAsync("embedded bus", new Targets(5_000, 20, 1), Configuration(jobs, jobs + "-data-embedded"), duration, context));
            using (var cluster = KafkaMockCluster.Start(3))
            {
                cluster.CreateTopic(CallsTopic, 8);
                var kafka = new Dictionary<string, string>(Configuration(jobs, jobs + "-data-kafka"))
                {
                    ["EventCenter:Bus:Kind"] = "Kafka",
                    ["EventCenter:Bus:BootstrapServers"] = cluster.BootstrapServers,
                    ["EventCenter:Bus:CreateTopics"] = "false",
                    ["EventCenter:Bus:SessionTimeout"] = "00:00:06",
                };
                results.AddRange(await MeasureAsync("Kafka mock", new Targets(2_000, null, null), kafka, duration, context));
            }
            return results;
        }
        finally
        {
            foreach (var directory in new[] { jobs, jobs + "-data-embedded", jobs + "-data-kafka" })
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // missing (the run failed before it) or still held: a temp folder
                }
            }
        }
    }

    /// <summary>
    /// The host's settings. The data directory is outside the host's content root, as by default
    /// (~/.local/share/featureplatform): ASP.NET Core watches the content root recursively for appsettings changes, and
    /// every SQLite write below it would cost an inotify event and a file-watcher wake-up.
    /// </summary>
    private static Dictionary<string, string> Configuration(string jobs, string data) => new()
    {
        ["Runtime:JobsDirectory"] = jobs,
        ["EventCenter:DataDirectory"] = data,
        ["Runtime:RunLiveJobs"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
        [$"Auth:Keys:{ApiKey}:Name"] = "bench",
        [$"Auth:Keys:{ApiKey}:Roles:0"] = "author",
    };

    private static async Task<IReadOnlyList<Measurement>> MeasureAsync(string bus, Targets targets, Dictionary<string, string> configuration, TimeSpan duration, ScenarioContext context)
    {
        await using var host = await FeatureApiProcess.StartAsync("bench-calls", configuration, TimeSpan.FromMinutes(2));
        var url = $"http://127.0.0.1:{host.Port}";
        try
        {
            await WarmUpAsync(url, context);
            var scripts = Path.Combine(AppContext.BaseDirectory, "Scenarios", "Calls");
            var measurements = new List<Measurement>();
            foreach (var connections in ConnectionCounts)
            {
                var threads = Math.Min(2, connections);
                var baselineSampler = HostSampler.Start(host.Pid, null);
                var baseline = await WrkRun.RunAsync(url + "/health/live", Path.Combine(scripts, "static_get.lua"), threads, connections, duration, [], context.CancellationToken);
                var baselineCpuPerGet = (await baselineSampler.StopAsync()).CpuMs / Math.Max(1, baseline.Requests);
                await baselineSampler.DisposeAsync();
                context.Log($"{bus}, {connections} connection(s): GET /health/live: {baseline}; host CPU {baselineCpuPerGet:0.000} ms per GET");
                await using var sampler = HostSampler.Start(host.Pid, configuration.GetValueOrDefault("EventCenter:Bus:Kind") == "Kafka" ? null : configuration["EventCenter:DataDirectory"]);
                var calls = await WrkRun.RunAsync(url, Path.Combine(scripts, "request_poll.lua"), threads, connections, duration,
                    [Job, ApiKey, Guid.NewGuid().ToString("N")[..8]], context.CancellationToken);
                var (cpuMs, peakWal) = await sampler.StopAsync();
                var cpuPerCall = cpuMs / Math.Max(1, calls.Requests);
                var walText = string.Join(", ", peakWal.Select(kv => FormattableString.Invariant($"{kv.Key} {kv.Value / 1048576.0:0.0} MiB")));
                context.Log($"{bus}, {connections} connection(s): POST /api/jobs/{Job}/requests: {calls}; host CPU {cpuPerCall:0.000} ms per call; peak WAL {walText}; load {File.ReadAllText("/proc/loadavg").Trim()}");
                if (calls.Non200 > 0 || calls.Errors > 0)
                {
                    throw new InvalidOperationException($"{bus}: {calls.Non200} answers were not 200 and {calls.Errors} socket errors; the figures would not be round trips.\n{calls.Output}\nHost log:\n{host.TailLog()}");
                }
                var name = $"request-poll on the {bus}, {connections} connection{(connections == 1 ? "" : "s")}";
                measurements.Add(Measurement.HigherIsBetter($"{name}: throughput", calls.RequestsPerSecond, "calls/s", "GET /health/live, same host and connections", baseline.RequestsPerSecond));
                measurements.Add(Measurement.LowerIsBetter($"{name}: p50", calls.P50Ms, "ms", "GET /health/live p50, same host and connections", baseline.P50Ms));
                measurements.Add(Measurement.LowerIsBetter($"{name}: p99", calls.P99Ms, "ms", "GET /health/live p99, same host and connections", baseline.P99Ms));
                measurements.Add(Measurement.LowerIsBetter($"{name}: host CPU per call", cpuPerCall, "ms", "host CPU per GET /health/live, same host and connections", baselineCpuPerGet));
                if (peakWal.TryGetValue("hot", out var hotWal))
                {
                    measurements.Add(Measurement.LowerIsBetter($"{name}: peak hot WAL", hotWal / 1048576.0, "MiB", "largest -wal file of the hot store during the run", 0));
                }
                if (connections == ConnectionCounts[^1])
                {
                    measurements.Add(new Measurement($"{name}: throughput vs target", calls.RequestsPerSecond, "calls/s",
                        $"target ≥ {targets.MinCallsPerSecond} calls/s", targets.MinCallsPerSecond, calls.RequestsPerSecond / targets.MinCallsPerSecond));
                    if (targets.MaxP99Ms is { } p99)
                    {
                        measurements.Add(Measurement.AgainstTarget($"{name}: p99 vs target", calls.P99Ms, "ms", p99));
                    }
                }
                if (connections == 1 && targets.MaxP50MsAlone is { } p50)
                {
                    measurements.Add(Measurement.AgainstTarget($"{name}: p50 vs target", calls.P50Ms, "ms", p50));
                }
            }
            return measurements;
        }
        catch (Exception e) when (e is not OperationCanceledException && !e.Message.Contains("Host log:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{bus}: {e.Message}\nHost log:\n{host.TailLog()}", e);
        }
    }

    /// <summary>The issue's targets of one bus: calls/s and p99 at the most connections, p50 of a lone caller.</summary>
    private sealed record Targets(double MinCallsPerSecond, double? MaxP99Ms, double? MaxP50MsAlone);

    /// <summary>One call answered with 200 (the worker joined its group, Python is warm), then a short burst.</summary>
    private static async Task WarmUpAsync(string url, ScenarioContext context)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.PostAsJsonAsync($"/api/jobs/{Job}/requests?wait=30000", new { key = $"warm-{i}", data = new { n = i } }, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            if (response.StatusCode != System.Net.HttpStatusCode.OK || JsonDocument.Parse(body).RootElement.GetProperty("results")[0].GetProperty("echo").GetString() != $"warm-{i}")
            {
                throw new InvalidOperationException($"Warm-up call {i} did not answer with its echo: {(int)response.StatusCode} {body}");
            }
        }
    }
}
