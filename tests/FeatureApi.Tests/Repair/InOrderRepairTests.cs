using System.Globalization;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.FeatureApi.Tests.Joins;
using FeaturePlatform.FeatureApi.Tests.Metrics;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.FeatureApi.Tests.Repair;

/// <summary>
/// The repair on an in-order stream whose repair lags behind its live runs (full path: Kafka mock → ingestion → live
/// trigger → run loop → repair): every entity's next computations ran before the repair looked at its earlier events,
/// but they ran on a trigger stored from later in the same partition, so they saw those events — nothing runs again.
/// A late event afterwards runs again exactly the computations whose history covers its time.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class InOrderRepairTests(KafkaFixture kafka)
{
    private const string Job = """
        from datetime import timedelta
        from featureplatform import Consistency, Output, job

        @job("in_order", triggers="late_a", consistency=Consistency.TRIGGER_STRONG, outputs=[Output("orders", int)])
        def in_order(event, ctx):
            return {"orders": len(ctx.history("late_a", event.key, since=timedelta(seconds=2)))}
        """;

    [Fact]
    public async Task A_lagging_repair_runs_nothing_again_on_in_order_data_and_exactly_the_readers_of_a_late_event()
    {
        var settings = JoinKafka.Settings(kafka, 2, "inorder");
        settings["Runtime:Repair:Enabled"] = "true";
        // The repair looks at each event a second after it was stored: by then the entity's next orders have run live.
        settings["Runtime:Repair:Delay"] = "00:00:01";
        await using var platform = new JoinPlatform(["late_a", "late_b"], [("in_order", Job)], settings);
        using var client = platform.CreateClient();
        await Poll.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), () => "the platform to be ready");
        var services = platform.Services;
        var topic = settings["EventCenter:Sources:5:Topics:0"];

        // 12 entities × 25 orders, 100 ms of event time apart per entity, produced in time order (in order per partition).
        var random = new Random(Environment.TickCount);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        var orders = Enumerable.Range(0, 25).SelectMany(i => Enumerable.Range(0, 12).Select(k => (Key: $"k{k}", Time: t0 + i * 100L + k, Id: $"o{k}-{i}"))).ToList();
        await using var producer = services.GetRequiredService<IMessageBus>().CreateProducer();
        var results = services.GetRequiredService<ResultLog>();
        // In waves, each run live before the next is produced, while the repair waits its second per batch: it falls
        // behind, so each event's later readers have run by the time the repair sees it stored.
        foreach (var wave in orders.Chunk(60))
        {
            foreach (var chunk in wave.Chunk(random.Next(5, 30)))
            {
                await producer.ProduceAsync(topic, [.. chunk.Select(o => Message(o.Key, o.Time, o.Id))]);
            }
            await Poll.UntilAsync(async () => (await results.GetAsync("in_order", [.. wave.Select(o => ("late_a", o.Id))])).Count == wave.Length,
                TimeSpan.FromSeconds(60), () => $"the wave's {wave.Length} orders computed live");
        }

        // A late order of k3 inside the 2 s history of its orders from the 10th on: those computations, and no other, run again.
        var late = (Key: "k3", Time: orders.First(o => o.Id == "o3-10").Time - 1, Id: "late-k3");
        var readers = orders.Count(o => o.Key == late.Key && o.Time >= late.Time && o.Time - 2000 <= late.Time);
        await producer.ProduceAsync(topic, [Message(late.Key, late.Time, late.Id)]);
        double recomputed = 0;
        await Poll.UntilAsync(async () =>
        {
            recomputed = MetricsTests.Sum(await client.GetStringAsync("/metrics"), "runtime_repair_recomputed_total", ("job", "in_order"));
            return recomputed >= readers;
        }, TimeSpan.FromSeconds(60), () => $"the late order's {readers} readers run again (recomputed {recomputed})");
        Assert.Equal(readers, recomputed);
        Assert.True(services.GetRequiredService<IngestCounters>().Written >= orders.Count + 1);
    }

    private static OutgoingMessage Message(string key, long time, string id) => new(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $$"""{"id":"{{id}}","pair":"{{key}}","t":{{time}},"amount":1}""")));
}
