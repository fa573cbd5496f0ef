using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeaturePlatform.Testing.Cluster;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// Two API hosts and a worker host, each in its own namespace: callers POST calls to the first API host, which is
/// SIGKILLed while calls are in flight; a caller whose POST failed retries it (same request id) on the other API host,
/// and every caller polls the other API host for its answer. Every call is answered, once.
/// </summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class ApiHostKilledTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const int Calls = 40;
    private const int Callers = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [NetnsFact]
    public async Task Api_host_killed_while_calls_are_in_flight_every_call_is_answered()
    {
        await using var cluster = await ClusterScenario.StartAsync(kafka, hbase.Server, output, 3, ClusterRole.Api, ClusterRole.Api, ClusterRole.Worker);
        try
        {
            await cluster.ProduceAsync(0, 2);
            await cluster.WaitComputedAsync(2, Deadline);
            using var first = Client(cluster.Hosts[0]!);
            using var second = Client(cluster.Hosts[1]!);
            var pending = new ConcurrentQueue<int>(Enumerable.Range(0, Calls));
            var acceptedByFirst = new ConcurrentDictionary<string, byte>();
            var retriedOnSecond = new ConcurrentDictionary<string, HttpStatusCode>();
            var callers = Enumerable.Range(0, Callers).Select(_ => CallAsync(cluster, pending, first, second, acceptedByFirst, retriedOnSecond)).ToList();
            // Kill the first API host once a quarter of the calls were accepted: the rest are in flight or not sent yet.
            var clock = Stopwatch.StartNew();
            while (acceptedByFirst.Count < Calls / 4)
            {
                Assert.True(clock.Elapsed < Deadline, $"only {acceptedByFirst.Count} calls accepted.\n{cluster.Logs()}");
                await Task.Delay(10);
            }
            await cluster.Hosts[0]!.KillAsync();
            var killed = Stopwatch.StartNew();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} api0 killed with {acceptedByFirst.Count} calls accepted");
            await Task.WhenAll(callers);

            // Every call, accepted by the dead host or retried on the live one, is answered through the live one.
            var answers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var id in Enumerable.Range(0, Calls).Select(RequestId))
            {
                answers[id] = await PollAsync(second, cluster.Job, id);
            }
            var recovery = killed.Elapsed;
            var done = answers.Count(a => a.Value == "done");
            var deliveries = cluster.ReadOutputs("calls." + cluster.Job);
            var report = new FaultReport("api-host-killed-calls", acceptedByFirst.Count + retriedOnSecond.Count, done, 0,
                deliveries.Values.Sum(v => v.Count - 1), Calls - done, Math.Round(recovery.TotalSeconds, 1),
                $"{Calls} calls from {Callers} callers to api0, SIGKILLed after {acceptedByFirst.Count} were accepted; " +
                $"{retriedOnSecond.Count} retried on api1 ({string.Join(", ", retriedOnSecond.Values.GroupBy(s => s).Select(g => $"{(int)g.Key}×{g.Count()}"))}); all polled on api1");
            output.WriteLine(await report.WriteAsync());
            Assert.Equal(Calls, done);
            Assert.Equal(Calls, deliveries.Count);
        }
        catch (Exception) when (Dump(cluster))
        {
            throw;
        }
    }

    private static string RequestId(int i) => string.Create(CultureInfo.InvariantCulture, $"call-{i}");

    private static HttpClient Client(ClusterHost host)
    {
        var client = host.CreateClient(TimeSpan.FromSeconds(20));
        client.DefaultRequestHeaders.Add("X-Api-Key", ClusterScenario.AdminKey);
        return client;
    }

    /// <summary>One caller: POSTs its calls to the first host; a POST that fails (the host died) is retried on the second.</summary>
    private static async Task CallAsync(ClusterScenario cluster, ConcurrentQueue<int> pending, HttpClient first, HttpClient second,
        ConcurrentDictionary<string, byte> acceptedByFirst, ConcurrentDictionary<string, HttpStatusCode> retriedOnSecond)
    {
        while (pending.TryDequeue(out var i))
        {
            var id = RequestId(i);
            var body = new { key = cluster.UserKeys[i % cluster.UserKeys.Count], requestId = id, data = new { n = i } };
            try
            {
                using var response = await first.PostAsJsonAsync($"/api/jobs/{cluster.Job}/requests?wait=2000", body);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted)
                {
                    acceptedByFirst[id] = 0;
                    continue;
                }
                throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                using var retry = await second.PostAsJsonAsync($"/api/jobs/{cluster.Job}/requests?wait=2000", body);
                Assert.True(retry.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted,
                    $"retry of {id} on api1: {(int)retry.StatusCode} {await retry.Content.ReadAsStringAsync()}");
                retriedOnSecond[id] = retry.StatusCode;
            }
        }
    }

    /// <summary>Polls <c>GET …/requests/{id}</c> until it is answered (200); returns the state ("missing" if never).</summary>
    private static async Task<string> PollAsync(HttpClient client, string job, string id)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Deadline)
        {
            try
            {
                using var response = await client.GetAsync($"/api/jobs/{job}/requests/{id}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString()!;
                }
            }
            catch (TaskCanceledException)
            {
                // A slow answer under load: poll again.
            }
            await Task.Delay(100);
        }
        return "missing";
    }

    private bool Dump(ClusterScenario cluster)
    {
        output.WriteLine(cluster.Logs());
        return false;
    }
}
