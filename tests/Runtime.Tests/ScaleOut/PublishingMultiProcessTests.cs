using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.Testing.Platform;
using Xunit.Abstractions;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>
/// Publishing with two runtime processes (FeatureApi hosts sharing one Kafka consumer group per job and one event
/// center on HBase), all through HTTP: a broken upload is refused naming file and line; v2 is backtested against what
/// live (v1) produced on one process, approved by a reviewer on the other, promoted; both processes then compute with
/// v2 and their outputs carry its hash; a rollback on the second process brings v1 back in both. A brand-new job
/// (in no jobs directory) promoted on one process starts in both; retired on one, it stops in both (no live runner, calls
/// refused, no rows); promoted again, it runs in both. The shared audit log has every step.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PublishingMultiProcessTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const string AuthorKey = "key-author-0001";
    private const string ReviewerKey = "key-reviewer-0001";
    private const string AdminKey = "key-admin-0001";
    private const int Users = 12;

    [Fact]
    public async Task Two_processes_run_the_promoted_version_from_their_next_batch_and_a_rollback_brings_v1_back()
    {
        var platform = await SharedHBasePlatform.CreateAsync(hbase.Server);
        var job = "pub_" + Guid.NewGuid().ToString("N")[..8];
        var jobsDirectory = Path.GetDirectoryName(PythonHostFixture.WriteJob(job, JobSource(job, 0)))!;
        var configuration = platform.OrdersOnKafka(kafka, kafka.CreateTopic(2, "publish-orders"), 2, "publish", jobsDirectory, new Dictionary<string, string>
        {
            ["Runtime:Publishing:PollInterval"] = "00:00:00.200",
            [$"Auth:Keys:{AuthorKey}:Name"] = "alice",
            [$"Auth:Keys:{AuthorKey}:Roles:0"] = "author",
            [$"Auth:Keys:{ReviewerKey}:Name"] = "bob",
            [$"Auth:Keys:{ReviewerKey}:Roles:0"] = "reviewer",
            [$"Auth:Keys:{AdminKey}:Name"] = "root",
            [$"Auth:Keys:{AdminKey}:Roles:0"] = "admin",
        });
        var topic = configuration["EventCenter:Sources:0:Topics:0"];

        var processes = new List<FeatureApiProcess>();
        try
        {
            processes.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(i => FeatureApiProcess.StartAsync($"publish{i}", configuration, TimeSpan.FromSeconds(120)))));
            using var first = Client(processes[0]);
            using var second = Client(processes[1]);
            await using var hot = platform.OpenHot();
            var features = new FeatureStore(hot);
            await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
            await using var producer = bus.CreateProducer();
            var users = Enumerable.Range(0, Users).Select(u => $"u{u}").ToList();
            var pids = processes.Select(p => (long)p.Pid).ToHashSet();
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 120_000;

            // v1 (the jobs directory's) runs live in both processes.
            var v1 = (await RunningVersionAsync(first, job))!;
            await ProduceAsync(producer, topic, users, 0, t0);
            await WaitAsync(async () => await VersionsAndPidsAsync(features, job, users, 0, pids) is { } seen && seen.Versions.SetEquals([v1]) && seen.Pids.SetEquals(pids),
                "both processes computed round 0 with v1");

            // A broken module: 422 naming file and line.
            using (var refused = await first.PostAsync($"/api/registry/jobs/{job}/versions", AuthorKey, Upload($"{job}.py", JobSource(job, 0) + "\nundefined_name()\n", "broken")))
            {
                var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
                Assert.Equal($"{job}.py", problem.GetProperty("file").GetString());
                Assert.Equal(JobSource(job, 0).Split('\n').Length + 1, problem.GetProperty("line").GetInt32());
                Assert.Contains("NameError", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            // v2 published on the first process, backtested there against round 0, approved on the second.
            var v2 = (await ReadAsync(await first.PostAsync($"/api/registry/jobs/{job}/versions", AuthorKey, Upload($"{job}.py", JobSource(job, 1000), "amount plus 1000")),
                HttpStatusCode.Created)).GetProperty("version").GetString()!;
            var backtest = await ReadAsync(await first.PostJsonAsync($"/api/registry/jobs/{job}/versions/{v2}/backtest", AuthorKey, new { from = t0 - 1, to = t0 + 1000 }),
                HttpStatusCode.OK);
            Assert.Equal(Users, backtest.GetProperty("rowsChanged").GetInt64());
            Assert.Contains(backtest.GetProperty("features").EnumerateArray(), f => f.GetProperty("feature").GetString() == "amount");
            await ReadAsync(await second.PostJsonAsync($"/api/registry/jobs/{job}/versions/{v2}/approve", ReviewerKey, new { reason = "ok" }), HttpStatusCode.OK);
            await ReadAsync(await first.PostJsonAsync($"/api/registry/jobs/{job}/promote", AuthorKey, new { version = v2 }), HttpStatusCode.OK);

            // Both processes switch; the next batches they run carry v2's hash.
            await WaitAsync(async () => await RunningVersionAsync(first, job) == v2 && await RunningVersionAsync(second, job) == v2, "both processes run v2");
            await ProduceAsync(producer, topic, users, 1, t0);
            await WaitAsync(async () => await VersionsAndPidsAsync(features, job, users, 1, pids) is { } seen && seen.Versions.SetEquals([v2]) && seen.Pids.SetEquals(pids),
                "both processes computed round 1 with v2");

            // Rollback on the second process: v1 again everywhere.
            await ReadAsync(await second.PostJsonAsync($"/api/registry/jobs/{job}/rollback", AuthorKey, new { version = v1 }), HttpStatusCode.OK);
            await WaitAsync(async () => await RunningVersionAsync(first, job) == v1 && await RunningVersionAsync(second, job) == v1, "both processes run v1 again");
            await ProduceAsync(producer, topic, users, 2, t0);
            await WaitAsync(async () => await VersionsAndPidsAsync(features, job, users, 2, pids) is { } seen && seen.Versions.SetEquals([v1]) && seen.Pids.SetEquals(pids),
                "both processes computed round 2 with v1");

            // A brand-new job (no jobs directory has it): published on the second process, backtested there (nothing of it
            // is live: every row is new), approved on the first, promoted on the second: both processes start it.
            var fresh = job + "_new";
            var f1 = (await ReadAsync(await second.PostAsync($"/api/registry/jobs/{fresh}/versions", AuthorKey, Upload($"{fresh}.py", JobSource(fresh, 500), "a new job")),
                HttpStatusCode.Created)).GetProperty("version").GetString()!;
            var freshBacktest = await ReadAsync(await second.PostJsonAsync($"/api/registry/jobs/{fresh}/versions/{f1}/backtest", AuthorKey, new { from = t0 - 1, to = t0 + 3000 }),
                HttpStatusCode.OK);
            Assert.Equal(3 * Users, freshBacktest.GetProperty("rowsChanged").GetInt64());
            await ReadAsync(await first.PostJsonAsync($"/api/registry/jobs/{fresh}/versions/{f1}/approve", ReviewerKey, new { reason = "new job" }), HttpStatusCode.OK);
            await ReadAsync(await second.PostJsonAsync($"/api/registry/jobs/{fresh}/promote", AuthorKey, new { version = f1 }), HttpStatusCode.OK);
            await WaitAsync(async () => await RunningVersionAsync(first, fresh) == f1 && await RunningVersionAsync(second, fresh) == f1, "both processes run the new job");
            var round = await RoundsUntilBothAsync(producer, topic, users, 3, t0, features, fresh, f1, pids);

            // Retired on the first process: it stops in both (no live runner, calls refused) and computes nothing more,
            // while the other job goes on.
            var retired = await ReadAsync(await first.PostJsonAsync($"/api/registry/jobs/{fresh}/retire", AuthorKey, new { reason = "replaced" }), HttpStatusCode.OK);
            Assert.Equal(("", f1), (retired.GetProperty("version").GetString(), retired.GetProperty("previous").GetString()));
            await WaitAsync(async () => await StoppedAsync(first, fresh) && await StoppedAsync(second, fresh), "both processes to stop the retired job");
            var retiredRound = round + 1;
            await ProduceAsync(producer, topic, users, retiredRound, t0);
            await WaitAsync(async () => await VersionsAndPidsAsync(features, job, users, retiredRound, pids) is not null, "the other job computed the round after the retirement");
            Assert.Null(await VersionsAndPidsAsync(features, fresh, users, retiredRound, pids));
            Assert.All(await features.GetManyAsync(fresh, users), r => Assert.EndsWith($"-{round}", r!.EventId, StringComparison.Ordinal));
            var states = (await ReadAsync(await first.GetAsync($"/api/registry/jobs/{fresh}/versions", AuthorKey), HttpStatusCode.OK)).GetProperty("versions").EnumerateArray()
                .ToDictionary(v => v.GetProperty("version").GetString()!, v => v.GetProperty("state").GetString());
            Assert.Equal("Retired", states[f1]);

            // Promoted again (on the second process): it runs in both again.
            await ReadAsync(await second.PostJsonAsync($"/api/registry/jobs/{fresh}/promote", AuthorKey, new { version = f1 }), HttpStatusCode.OK);
            await WaitAsync(async () => !await StoppedAsync(first, fresh) && !await StoppedAsync(second, fresh), "both processes to run the job again");
            await RoundsUntilBothAsync(producer, topic, users, retiredRound + 1, t0, features, fresh, f1, pids);

            // The shared audit log has every step, from both processes (each process writes its records off the
            // request's path, within milliseconds: polled).
            (string?, string?, int)[] expected =
            [
                ("alice", $"/api/registry/jobs/{job}/versions", 422), ("alice", $"/api/registry/jobs/{job}/versions", 201),
                ("alice", $"/api/registry/jobs/{job}/versions/{v2}/backtest", 200), ("bob", $"/api/registry/jobs/{job}/versions/{v2}/approve", 200),
                ("alice", $"/api/registry/jobs/{job}/promote", 200), ("alice", $"/api/registry/jobs/{job}/rollback", 200),
                ("alice", $"/api/registry/jobs/{fresh}/versions", 201), ("bob", $"/api/registry/jobs/{fresh}/versions/{f1}/approve", 200),
                ("alice", $"/api/registry/jobs/{fresh}/promote", 200), ("alice", $"/api/registry/jobs/{fresh}/retire", 200),
            ];
            await WaitAsync(async () =>
            {
                using var audit = await first.GetAsync("/api/audit?limit=1000", AdminKey);
                var records = (await ReadAsync(audit, HttpStatusCode.OK)).EnumerateArray()
                    .Select(r => (r.GetProperty("actor").GetString(), r.GetProperty("path").GetString(), r.GetProperty("status").GetInt32())).ToHashSet();
                return expected.All(records.Contains);
            }, "every publishing step is in the audit log");
        }
        catch (Exception) when (Dump(processes))
        {
            throw;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Round r of orders: one per user, amount r; the job outputs the amount (plus its offset) and its process id.</summary>
    private static async Task ProduceAsync(IBusProducer producer, string topic, IReadOnlyList<string> users, int round, long t0)
    {
        var batch = users.Select((user, u) => new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(
            $$"""{"oid":"{{user}}-{{round}}","user_id":"{{user}}","t":{{(t0 + round * 1000 + u).ToString(CultureInfo.InvariantCulture)}},"amount":{{round}}}"""))).ToList();
        await producer.ProduceAsync(topic, batch);
    }

    /// <summary>The versions and hosts (the job's pid is its worker's, mapped to the host) of the users' latest rows, once every user's row is of round <paramref name="round"/>; else null.</summary>
    private static async Task<(HashSet<string> Versions, HashSet<long> Pids)?> VersionsAndPidsAsync(FeatureStore features, string job, IReadOnlyList<string> users, int round, IReadOnlySet<long> hosts)
    {
        var rows = await features.GetManyAsync(job, users);
        return rows.All(r => r is not null && r.EventId?.EndsWith($"-{round}", StringComparison.Ordinal) == true)
            ? ([.. rows.Select(r => r!.JobVersion)], [.. rows.Select(r => ProcessTree.HostOf(r!.Values["pid"].GetInt64(), hosts) ?? -1)])
            : null;
    }

    /// <summary>
    /// Produces rounds from <paramref name="round"/> on until one is computed by both processes with <paramref name="version"/>
    /// (a consumer group that just formed may hand both partitions to one process for a round); returns that round.
    /// </summary>
    private static async Task<int> RoundsUntilBothAsync(IBusProducer producer, string topic, IReadOnlyList<string> users, int round, long t0, FeatureStore features,
        string job, string version, IReadOnlySet<long> pids)
    {
        for (var r = round; r < round + 5; r++)
        {
            await ProduceAsync(producer, topic, users, r, t0);
            (HashSet<string> Versions, HashSet<long> Pids)? seen = null;
            await WaitAsync(async () => (seen = await VersionsAndPidsAsync(features, job, users, r, pids)) is not null, $"{job} to compute round {r}");
            Assert.Equal([version], seen!.Value.Versions);
            if (seen.Value.Pids.SetEquals(pids))
            {
                return r;
            }
        }
        throw new TimeoutException($"{job}'s rounds {round}..{round + 4} were never computed by both processes");
    }

    /// <summary>Whether the process runs no live runner of <paramref name="job"/> and refuses its calls (a retired job).</summary>
    private static async Task<bool> StoppedAsync(ApiClient client, string job)
    {
        using var detail = await client.GetAsync($"/api/jobs/{job}", AuthorKey);
        var runners = (await ReadAsync(detail, HttpStatusCode.OK)).GetProperty("status").GetProperty("liveRunners").GetInt32();
        using var call = await client.PostJsonAsync($"/api/jobs/{job}/requests?wait=0", AuthorKey, new { key = "u0", data = new { amount = 1 } });
        return runners == 0 && call.StatusCode == HttpStatusCode.BadRequest && (await call.Content.ReadAsStringAsync()).Contains("is retired", StringComparison.Ordinal);
    }

    private static async Task<string?> RunningVersionAsync(ApiClient client, string job)
    {
        using var response = await client.GetAsync($"/api/registry/jobs/{job}/versions", AuthorKey);
        return (await ReadAsync(response, HttpStatusCode.OK)).GetProperty("running").GetString();
    }

    private static string JobSource(string name, int offset) => $$"""
        import os
        from featureplatform import Consistency, Output, job

        @job("{{name}}", triggers="orders", consistency=Consistency.TRIGGER_STRONG,
             outputs=[Output("amount", int, "The order's amount plus an offset."), Output("pid", int, "The process that computed it.")])
        def compute(event, ctx):
            return {"amount": int(event["amount"]) + {{offset}}, "pid": os.getpid()}
        """;

    private static MultipartFormDataContent Upload(string fileName, string source, string message) => new()
    {
        { new ByteArrayContent(Encoding.UTF8.GetBytes(source)), "file", fileName },
        { new StringContent(message), "message" },
    };

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} (expected {(int)expected}): {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(90));

    private bool Dump(IReadOnlyList<FeatureApiProcess> processes)
    {
        output.WriteLine(FeatureApiProcess.LogTails("publish", processes));
        return false;
    }

    private static ApiClient Client(FeatureApiProcess process) => new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{process.Port}"), Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>An HTTP client that sends the given API key per request.</summary>
    private sealed class ApiClient(HttpClient http) : IDisposable
    {
        public Task<HttpResponseMessage> GetAsync(string path, string key) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), key);

        public Task<HttpResponseMessage> PostAsync(string path, string key, HttpContent content) => SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, key);

        public Task<HttpResponseMessage> PostJsonAsync<T>(string path, string key, T body) => PostAsync(path, key, JsonContent.Create(body));

        public void Dispose() => http.Dispose();

        private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string key)
        {
            request.Headers.Add("X-Api-Key", key);
            return http.SendAsync(request);
        }
    }
}
