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
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>
/// Run-time sources with two real processes (FeatureApi hosts on one Kafka cluster and one HBase event center, the
/// metadata store being a table of it): a source registered over the API on the first process — after refused
/// definitions that name their field — is picked up by the second without a restart; with the first one gone, the
/// second ingests the source's messages within seconds, and the source's observed schema (fields, types, null rates,
/// examples) appears in the catalog; the registration is in the shared audit log.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class SourcesMultiProcessTests(KafkaFixture kafka, HBaseThriftFixture hbase, ITestOutputHelper output)
{
    private const string AdminKey = "key-admin-0001";
    private const string ReaderKey = "key-reader-0001";

    [Fact]
    public async Task A_source_registered_on_one_process_is_ingested_by_the_other_and_its_observed_schema_appears()
    {
        var platform = await SharedHBasePlatform.CreateAsync(hbase.Server);
        var topic = kafka.CreateTopic(2, "runtime-source");
        var source = "payments_" + Guid.NewGuid().ToString("N")[..8];
        var configuration = platform.Configuration();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["EventCenter:Bus:Kind"] = "Kafka",
            ["EventCenter:Bus:BootstrapServers"] = kafka.BootstrapServers,
            ["EventCenter:Bus:CreateTopics"] = "false",
            ["EventCenter:TopicPartitions"] = "2",
            ["EventCenter:Bus:SessionTimeout"] = "00:00:06",
            ["EventCenter:Ingest:GroupId"] = KafkaFixture.NewGroupId("sources-ingest"),
            ["EventCenter:Ingest:MaxBatchWait"] = "00:00:00.020",
            ["EventCenter:Metadata:PollInterval"] = "00:00:00.200",
            ["EventCenter:Metadata:SchemaFlushInterval"] = "00:00:00.300",
            ["Runtime:RunLiveJobs"] = "false",
            [$"Auth:Keys:{AdminKey}:Name"] = "root",
            [$"Auth:Keys:{AdminKey}:Roles:0"] = "admin",
            [$"Auth:Keys:{ReaderKey}:Name"] = "reader",
            [$"Auth:Keys:{ReaderKey}:Roles:0"] = "reader",
            ["Logging:LogLevel:Default"] = "Information",
        })
        {
            configuration[key] = value;
        }

        var processes = new List<FeatureApiProcess>();
        try
        {
            processes.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(i => FeatureApiProcess.StartAsync($"sources{i}", configuration, TimeSpan.FromSeconds(120)))));
            using var first = Client(processes[0]);
            using var second = Client(processes[1]);
            Assert.DoesNotContain(await SourceNamesAsync(second), n => n == source);

            // Refused definitions name the field and the fix; a reader may not register.
            await ProblemAsync(first, new { name = source, format = "Json", keyFields = new[] { "user_id" }, topics = new[] { "no-such-topic-" + source } }, "topics", "does not exist");
            await ProblemAsync(first, new { name = source, format = "Json", topics = new[] { topic } }, "keyFields", "needs keyFields");
            await ProblemAsync(first, new { name = source, format = "Avro", keyFields = new[] { "user_id" }, topics = new[] { topic } }, "format", "Formats:");
            await ProblemAsync(first, new { name = source, format = "Canal", timeField = "t", topics = new[] { topic } }, "timeField", "envelope");
            using (var forbidden = await first.SendAsync(HttpMethod.Post, "/api/sources", ReaderKey, new { name = source, format = "Json", keyFields = new[] { "user_id" } }))
            {
                Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            }

            var created = await ReadAsync(await first.SendAsync(HttpMethod.Post, "/api/sources", AdminKey, new
            {
                name = source, format = "Json", keyFields = new[] { "user_id" }, timeField = "t", idField = "pid", topics = new[] { topic },
                fields = new Dictionary<string, string> { ["amount"] = "Decimal" }, maxDelay = "00:00:02",
            }), HttpStatusCode.Created);
            Assert.True(created.GetProperty("revision").GetInt64() > 0);
            await ProblemAsync(first, new { name = source, format = "Json", keyFields = new[] { "user_id" }, topics = new[] { topic } }, "name", "exists", HttpStatusCode.Conflict);

            // The second process follows the store without a restart.
            await WaitAsync(async () => (await SourceNamesAsync(second)).Contains(source), "the second process lists the new source");

            // With the first process gone, only the second can ingest the source's messages.
            await processes[0].StopAsync(TimeSpan.FromSeconds(20));
            var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
            await using (var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false }))
            await using (var producer = bus.CreateProducer())
            {
                await producer.ProduceAsync(topic, [.. Enumerable.Range(0, 10).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"u{i % 3}"), Payment(i, t0)))]);
            }
            var ingested = DateTime.UtcNow;
            await WaitAsync(async () =>
            {
                using var state = await second.SendAsync(HttpMethod.Get, $"/api/events/{source}/u0", ReaderKey);
                return state.StatusCode == HttpStatusCode.OK && (await state.Content.ReadAsStringAsync()).Contains("\"p9\"", StringComparison.Ordinal);
            }, "the second process ingested the new source's messages");
            output.WriteLine($"ingested {(DateTime.UtcNow - ingested).TotalSeconds:F1} s after producing");

            // The observed schema: fields, types, null rates, examples.
            JsonElement observed = default;
            await WaitAsync(async () =>
            {
                var entry = await ReadAsync(await second.SendAsync(HttpMethod.Get, $"/api/catalog/sources/{source}", ReaderKey), HttpStatusCode.OK);
                observed = entry.GetProperty("observed");
                return observed.ValueKind == JsonValueKind.Object && observed.GetProperty("events").GetInt64() >= 10;
            }, "the observed schema counts the 10 events");
            var fields = observed.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
            Assert.Equal("string", fields["user_id"].GetProperty("type").GetString());
            Assert.Equal("float", fields["amount"].GetProperty("type").GetString());
            Assert.Equal("int", fields["t"].GetProperty("type").GetString());
            Assert.Equal(0.5, fields["note"].GetProperty("nullRate").GetDouble());
            Assert.Equal(0.0, fields["user_id"].GetProperty("nullRate").GetDouble());
            Assert.Equal("string", fields["card.brand"].GetProperty("type").GetString());
            Assert.Contains("\"visa\"", fields["card.brand"].GetProperty("examples").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(2000, (await ReadAsync(await second.SendAsync(HttpMethod.Get, $"/api/catalog/sources/{source}", ReaderKey), HttpStatusCode.OK))
                .GetProperty("maxDelayMs").GetInt64());

            // The registration is audited in the shared log.
            await WaitAsync(async () =>
            {
                var audit = await ReadAsync(await second.SendAsync(HttpMethod.Get, "/api/audit?limit=1000", AdminKey), HttpStatusCode.OK);
                return audit.EnumerateArray().Any(r => r.GetProperty("actor").GetString() == "root" && r.GetProperty("path").GetString() == "/api/sources"
                    && r.GetProperty("status").GetInt32() == 201);
            }, "the registration is in the audit log");
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

    /// <summary>Message i: user u(i mod 3), amount i.5, a note every other message (null otherwise), a nested card.</summary>
    private static byte[] Payment(int i, long t0) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["pid"] = $"p{i}", ["user_id"] = $"u{i % 3}", ["t"] = t0 + i, ["amount"] = i + 0.5, ["note"] = i % 2 == 0 ? null : $"n{i}", ["card"] = new { brand = "visa" },
    });

    private static async Task<HashSet<string>> SourceNamesAsync(ApiClient client) =>
        [.. (await ReadAsync(await client.SendAsync(HttpMethod.Get, "/api/sources", ReaderKey), HttpStatusCode.OK)).EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static async Task ProblemAsync(ApiClient client, object body, string field, string detail, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var problem = await ReadAsync(await client.SendAsync(HttpMethod.Post, "/api/sources", AdminKey, body), status);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", problem.GetRawText(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} (expected {(int)expected}): {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(30));

    private bool Dump(IReadOnlyList<FeatureApiProcess> processes)
    {
        output.WriteLine(FeatureApiProcess.LogTails("sources", processes));
        return false;
    }

    private static ApiClient Client(FeatureApiProcess process) => new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{process.Port}"), Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>An HTTP client that sends the given API key per request.</summary>
    private sealed class ApiClient(HttpClient http) : IDisposable
    {
        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("X-Api-Key", key);
            return http.SendAsync(request);
        }

        public void Dispose() => http.Dispose();
    }
}
