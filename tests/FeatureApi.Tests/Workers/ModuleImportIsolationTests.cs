using System.Net;
using System.Text.Json;
using FeaturePlatform.FeatureApi.Tests.Quarantine;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Workers;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Workers;

/// <summary>
/// The API process never runs author code, module-level code included (Process mode, the default): job modules are
/// imported in a worker of their own. A module that exits at import or hangs at import fails to load with the reason
/// while the platform starts and serves; a module's import runs in another process (it records its pid), its job runs
/// live through its worker, a hot edit is imported there too, and parameter values are checked there.
/// </summary>
public sealed class ModuleImportIsolationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private static string PidModule(string pidFile, int bonus) => $$"""
        import os

        from featureplatform import Output, Param, job

        with open({{JsonSerializer.Serialize(pidFile)}}, "a") as f:
            f.write(f"{os.getpid()}\n")

        BONUS = {{bonus}}


        @job("import_pid", triggers="orders", params=[Param("factor", int, default=1, min=1, max=10, description="Multiplier.")],
             outputs=[Output("order_id", str, "The order."), Output("score", int, "factor times the bonus.")])
        def import_pid(event, ctx):
            return {"order_id": event.str("order_id"), "score": ctx.params["factor"] * BONUS}
        """;

    [Fact]
    public async Task Module_level_code_runs_in_a_worker_so_an_exit_or_hang_at_import_fails_that_module_only()
    {
        var (data, jobs) = QuarantinePlatform.NewDirectories();
        var pidFile = Path.Combine(jobs, "_import_pids.txt");
        File.WriteAllText(Path.Combine(jobs, "import_exit.py"), "import os\nos._exit(3)\n");
        File.WriteAllText(Path.Combine(jobs, "import_hang.py"), "while True:\n    pass\n");
        File.WriteAllText(Path.Combine(jobs, "import_pid.py"), PidModule(pidFile, 7));
        var settings = new Dictionary<string, string>
        {
            ["Runtime:Workers:Mode"] = "Process",
            ["Runtime:Workers:ImportTimeout"] = "00:00:03",
        };
        try
        {
            await using var platform = new QuarantinePlatform(data, jobs, settings);
            var startup = platform.Services.GetRequiredService<RuntimeStartup>();
            await startup.Ready.WaitAsync(Deadline);

            // The two hostile modules failed to load, each with its reason; the others loaded.
            var errors = startup.Registry.LoadErrors.ToDictionary(e => Path.GetFileName(e.FileName), e => e.Reason);
            Assert.Contains("ended the process importing it", errors["import_exit.py"], StringComparison.Ordinal);
            Assert.Contains("exited with code 3", errors["import_exit.py"], StringComparison.Ordinal);
            Assert.Contains("Runtime:Workers:ImportTimeout", errors["import_hang.py"], StringComparison.Ordinal);
            Assert.Equal(["fragile", "import_pid", "order_stats_30d"], startup.Registry.Jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
            Assert.All(startup.Registry.Jobs, j => Assert.False(j.Loaded.ImportedHere));

            // The import ran in another process, never in this one.
            var importers = ReadPids(pidFile);
            Assert.NotEmpty(importers);
            Assert.DoesNotContain(Environment.ProcessId, importers);

            // The platform serves, and the job runs live on its worker.
            using var author = platform.CreateClient(PlatformFactory.Author);
            using var reader = platform.CreateClient(PlatformFactory.Reader);
            using (var health = await reader.GetAsync("/health/live"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            var features = platform.Services.GetRequiredService<FeatureStore>();
            var user = $"u-{Guid.NewGuid():N}";
            await PostOrderAsync(author, $"a-{user}", user);
            await PollAsync(async () => await features.GetAsync("import_pid", user) is { } row && Score(row) == 7, "import_pid scores the first order");

            // Parameter values are checked where the module is imported: a bad one is refused, a good one runs.
            var job = startup.Registry.Jobs.Single(j => j.Name == "import_pid");
            await Assert.ThrowsAsync<ArgumentException>(() => job.Loaded.SetParametersAsync(new Dictionary<string, object?> { ["factor"] = 11 }));
            await Assert.ThrowsAsync<ArgumentException>(() => job.Loaded.SetParametersAsync(new Dictionary<string, object?> { ["nope"] = 1 }));
            await job.Loaded.SetParametersAsync(new Dictionary<string, object?> { ["factor"] = 2 });
            Assert.Equal(2L, Convert.ToInt64(job.Loaded.Parameters["factor"], System.Globalization.CultureInfo.InvariantCulture));

            // A hot edit is imported in the worker too, keeps the operator's value, and runs as a new version.
            var before = job.Version;
            File.WriteAllText(Path.Combine(jobs, "import_pid.py"), PidModule(pidFile, 100));
            await PollAsync(async () =>
            {
                await PostOrderAsync(author, $"b-{Guid.NewGuid():N}", user);
                return await features.GetAsync("import_pid", user) is { } row && Score(row) == 200;
            }, "import_pid runs the edited module with factor 2");
            Assert.NotEqual(before, job.Version);
            Assert.DoesNotContain(Environment.ProcessId, ReadPids(pidFile));
            Assert.True(ReadPids(pidFile).Count >= 2, "the edit was imported again");
            var loader = platform.Services.GetRequiredService<WorkerSupervisor>().JobLoaderProcessId;
            Assert.NotNull(loader);
            // Workers never spin for thread-pool work, whatever the host runs with (this test host sets nothing).
            Assert.Equal("0", ProcessEnvironment.Variable(loader.Value, "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"));
        }
        finally
        {
            QuarantinePlatform.Delete(data, jobs);
        }
    }

    private static List<int> ReadPids(string file) =>
        File.Exists(file) ? [.. File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))] : [];

    private static long Score(FeatureRecord row) => row.Values["score"].GetInt64();

    private static async Task PostOrderAsync(HttpClient client, string id, string user)
    {
        var order = JsonSerializer.Serialize(new Dictionary<string, object> { ["order_id"] = id, ["user_id"] = user, ["created_at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["amount"] = 10 });
        using var response = await client.PostAsync("/api/sources/orders/messages", Json($"[{order}]"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, Deadline);
}
