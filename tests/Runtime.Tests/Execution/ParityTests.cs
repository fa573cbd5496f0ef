using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// The core promise: a job runs live over a stream (bus → ingest → trigger-strong live trigger), then the same
/// range is replayed from the event center; after canonical ordering the two output sets are identical.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class ParityTests(PythonHostFixture python, KafkaFixture kafka)
{
    [Fact]
    public Task Live_on_the_embedded_bus_and_replay_give_identical_results() =>
        RunParityAsync(async () =>
        {
            var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("parity-bus")) });
            await bus.CreateTopicAsync("orders", 4);
            await bus.CreateTopicAsync("profiles", 4);
            return bus;
        }, seed: 1);

    [Fact]
    public Task Live_on_the_Kafka_mock_and_replay_give_identical_results() =>
        RunParityAsync(() =>
        {
            IMessageBus bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
            return Task.FromResult(bus);
        }, seed: 2, topics: (kafka.CreateTopic(4, "orders"), kafka.CreateTopic(4, "profiles")));

    private async Task RunParityAsync(Func<Task<IMessageBus>> openBus, int seed, (string Orders, string Profiles)? topics = null)
    {
        var bus = await openBus();
        var orders = RuntimeHarness.Orders with { Topics = [topics?.Orders ?? "orders"] };
        var profiles = RuntimeHarness.Profiles with { Topics = [topics?.Profiles ?? "profiles"] };
        await using var harness = await RuntimeHarness.StartAsync(bus, orders, profiles);
        var job = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("order_profile", TestJobs.OrderProfile), harness.DataSource), enabled: true);
        harness.StartIngest();

        var live = new CollectingOutput();
        var liveRunner = new JobRunner(job, harness.DataSource, [live, harness.Features], harness.Errors, NullLogger.Instance);
        var trigger = new LiveTrigger(bus, orders, UniqueName.For("job"), ConsistencyLevel.TriggerStrong, harness.Waiter, harness.Events,
            new LiveTriggerOptions { MaxBatchMessages = 50, MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        harness.Run(ct => liveRunner.RunAsync(trigger, ct));

        // A stream in event-time order: profile changes and orders of 25 users interleaved at random.
        var random = new Random(seed);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var orderCount = 0;
        await using (var producer = bus.CreateProducer())
        {
            for (var i = 0; i < 300; i++)
            {
                var user = $"u{random.Next(25)}";
                var t = t0 + i * 3;
                if (random.Next(3) == 0)
                {
                    await producer.ProduceAsync(profiles.Topics[0], [Json(user, $$"""{"pid":"p{{i}}","user_id":"{{user}}","t":{{t}},"tier":"{{(char)('a' + random.Next(4))}}"}""")]);
                }
                else
                {
                    orderCount++;
                    await producer.ProduceAsync(orders.Topics[0], [Json(user, $$"""{"oid":"o{{i}}","user_id":"{{user}}","t":{{t}},"amount":{{random.Next(1, 500)}}.5}""")]);
                }
            }
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(liveRunner.Counters.Events >= orderCount), $"{orderCount} orders ran live");

        var replay = new CollectingOutput();
        var replayRunner = new JobRunner(job, harness.DataSource.ForRun(), [replay], harness.Errors, NullLogger.Instance);
        await replayRunner.RunAsync(new ReplayTrigger(harness.Events, "orders", t0, t0 + 300 * 3, new ReplayOptions { BatchSize = 37, Parallelism = 3 }), CancellationToken.None);

        Assert.Equal(0, liveRunner.Counters.Failures + replayRunner.Counters.Failures);
        Assert.Equal(orderCount, replay.Canonical().Count);
        Assert.Equal(live.Canonical(), replay.Canonical());
        Assert.Contains(replay.Results, r => r.Values.First(v => v.Key == "tier").Value is not null);
        Assert.Contains(replay.Results, r => (long)r.Values.First(v => v.Key == "orders").Value! > 1);
    }

    private static OutgoingMessage Json(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));
}
