using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Parity;

/// <summary>
/// A production host on the Kafka mock with one Json source <c>par_a</c> (key <c>pair</c>, time <c>t</c>, id <c>id</c>)
/// and one job writing to the event center and the feature store, repair off unless asked: events go through the bus,
/// ingestion, the live trigger and the run loop; parity checks go through <c>/api/parity</c>.
/// </summary>
internal sealed class ParityHarness : IAsyncDisposable
{
    public const string Source = "par_a";

    private readonly Dictionary<string, string> settings;
    private int produced;

    private ParityHarness(JoinPlatform platform, Dictionary<string, string> settings, string job)
    {
        Platform = platform;
        this.settings = settings;
        Job = job;
    }

    public JoinPlatform Platform { get; }

    public string Job { get; }

    public IServiceProvider Services => Platform.Services;

    public static async Task<ParityHarness> StartAsync(KafkaFixture kafka, string prefix, string job, string module, bool repair = false,
        IReadOnlyDictionary<string, string>? extra = null, bool realParameters = false)
    {
        var settings = JoinKafka.Settings(kafka, 1, prefix);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        settings["Runtime:Repair:Enabled"] = repair ? "true" : "false";
        settings[$"Runtime:Jobs:{job}:Outputs:1:Kind"] = "FeatureStore";
        var platform = new JoinPlatform([Source], [(job, module)], settings) { RealParameters = realParameters };
        var harness = new ParityHarness(platform, settings, job);
        using var client = platform.CreateClient(PlatformFactory.Reader);
        await Poll.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), () => "the platform to be ready");
        return harness;
    }

    /// <summary>Produces orders (id, pair, time, amount) in this order and waits until each is stored and computed live.</summary>
    public async Task ProduceAsync(params (string Id, string Pair, long Time, int Amount)[] orders)
    {
        await using (var producer = Services.GetRequiredService<IMessageBus>().CreateProducer())
        {
            foreach (var o in orders)
            {
                // One message per produce: the arrival order is the order given.
                await producer.ProduceAsync(settings["EventCenter:Sources:5:Topics:0"],
                    [new OutgoingMessage(Encoding.UTF8.GetBytes(o.Pair), Encoding.UTF8.GetBytes($$"""{"id":"{{o.Id}}","pair":"{{o.Pair}}","t":{{o.Time}},"amount":{{o.Amount}}}"""))]);
            }
        }
        produced += orders.Length;
        var counters = Services.GetRequiredService<IngestCounters>();
        await Poll.UntilAsync(() => Task.FromResult(counters.Written >= produced), TimeSpan.FromSeconds(60), () => $"{produced} events stored (written {counters.Written})");
        var results = Services.GetRequiredService<ResultLog>();
        var ids = orders.Select(o => (Source, o.Id)).ToList();
        await Poll.UntilAsync(async () => (await results.GetAsync(Job, ids)).Count == ids.Count, TimeSpan.FromSeconds(60), () => $"{ids.Count} orders computed live");
        // The result log is written before the outputs (a repair orders its rows after the batch's): the batch is done,
        // feature store included, once the runner's progress has passed its offset (the topic holds only these orders).
        var live = Services.GetRequiredService<LiveJobsService>();
        long Done() => live.Runners.Values.Where(r => r.Job == Job).Select(r => r.Progress.NextOffsets.Values.Sum()).DefaultIfEmpty(0).Max();
        await Poll.UntilAsync(() => Task.FromResult(Done() >= produced), TimeSpan.FromSeconds(60), () => $"{produced} orders written to the outputs (done {Done()})");
    }

    /// <summary>Runs a parity check (or correction) through the API and waits for its report.</summary>
    public async Task<JsonElement> CheckAsync(long from, long to, bool correct = false)
    {
        using var client = Platform.CreateClient(correct ? PlatformFactory.Operator : PlatformFactory.Reader);
        var started = await client.PostAsJsonAsync("/api/parity", new { job = Job, from, to, correct });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        JsonElement report = default;
        await Poll.UntilAsync(async () =>
        {
            report = await client.GetFromJsonAsync<JsonElement>($"/api/parity/{id}");
            return report.GetProperty("isFinished").GetBoolean();
        }, TimeSpan.FromSeconds(60), () => $"parity check {id} to finish");
        Assert.True(report.GetProperty("state").GetString() == "Completed", report.ToString());
        return report;
    }

    public static long Count(JsonElement report, string name) => report.GetProperty("counts").GetProperty(name).GetInt64();

    public static IReadOnlyList<string> Causes(JsonElement report) =>
        [.. report.GetProperty("differences").EnumerateArray().Select(d => d.GetProperty("cause").GetString()!)];

    public ValueTask DisposeAsync() => Platform.DisposeAsync();
}
