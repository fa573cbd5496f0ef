using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Platform;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Hosting;

/// <summary>
/// A host killed with SIGKILL (the OOM killer, <c>kill -9</c> of the main pid) leaves no worker process behind, even one
/// whose computation holds the GIL in C code: the worker sees its connection close and ends within <see cref="Bound"/>
/// (issue 20: it ran the interpreter's exit handlers, which wait for the GIL, and span on as an orphan).
/// </summary>
public sealed class WorkerOrphanTests(ITestOutputHelper output)
{
    /// <summary>How long a dead host's workers may outlive it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private const string ApiKey = "orphanauthorkey";

    [Fact]
    public async Task A_killed_hosts_busy_worker_exits_within_the_bound()
    {
        var marker = Path.Combine(Path.GetTempPath(), "runtime-tests", $"orphan-{Guid.NewGuid():N}.started");
        // sum() over a range runs in C and keeps the GIL for minutes; the marker says the computation began.
        var jobs = Path.GetDirectoryName(PythonHostFixture.WriteJob("gil_hog", $$"""
            from featureplatform import Output, job

            @job("gil_hog", triggers="requests", outputs=[Output("n", int, "A sum that takes minutes.")])
            def gil_hog(event, ctx):
                open({{System.Text.Json.JsonSerializer.Serialize(marker)}}, "w").close()
                return {"n": sum(range(10 ** 13))}
            """))!;
        var configuration = new Dictionary<string, string>
        {
            ["Runtime:JobsDirectory"] = jobs,
            ["Runtime:RunLiveJobs"] = "false",
            ["Runtime:Workers:Mode"] = "Process",
            // The host must not end the computation itself before it is killed.
            ["Runtime:Python:CallTimeout"] = "00:10:00",
            ["Logging:LogLevel:Default"] = "Warning",
            [$"Auth:Keys:{ApiKey}:Name"] = "orphan-test",
            [$"Auth:Keys:{ApiKey}:Roles:0"] = "author",
        };
        var workers = new List<int>();
        await using var host = await FeatureApiProcess.StartAsync("orphan-host", configuration, TimeSpan.FromMinutes(2));
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            using var call = await client.PostAsJsonAsync("/api/jobs/gil_hog/requests?wait=0", new { key = "k1", data = new { } });
            Assert.Equal(HttpStatusCode.Accepted, call.StatusCode);
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(marker)), TimeSpan.FromMinutes(2), "the job's computation began", () => host.TailLog());
            workers.AddRange(ProcessTree.ChildrenOf(host.Pid));
            Assert.NotEmpty(workers);

            Assert.Equal(0, NativeSignals.Kill(host.Pid, NativeSignals.SIGKILL)); // the host alone, as the OOM killer does
            await Poll.UntilAsync(() => Task.FromResult(workers.All(w => !ProcessTree.IsLive(w))), Bound,
                $"the killed host's workers ({string.Join(", ", workers)}) exited", () => string.Join("\n", workers.Select(Describe)));
            output.WriteLine($"host {host.Pid} killed; its workers {string.Join(", ", workers)} exited within {Bound.TotalSeconds:0} s");
        }
        finally
        {
            foreach (var worker in workers.Where(ProcessTree.IsLive))
            {
                _ = NativeSignals.Kill(worker, NativeSignals.SIGKILL); // a failed run must not leave the orphan spinning
            }
            File.Delete(marker);
        }
    }

    private static string Describe(int pid) => string.Create(CultureInfo.InvariantCulture,
        $"worker {pid}: {(ProcessTree.IsLive(pid) ? "still runs" : "gone")}");
}
