using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>
/// Storage calls of an idle ingest job: after some traffic is stored and every partition has gone idle (its
/// watermark following the clock), counts the storage writes of both stores for one minute
/// while the ingest worker keeps polling with default settings.
/// </summary>
internal static class IdleMinute
{
    public static async Task<(long Writes, long Reads)> StorageWritesAsync(IMessageBus bus, KafkaMockCluster cluster, SourceDefinition baseSource, ScenarioContext context)
    {
        var cancellationToken = context.CancellationToken;
        var topic = UniqueName.For("idle");
        cluster.CreateTopic(topic, 16);
        var source = baseSource with { Topics = [topic] };
        await using var center = await EventCenterFixture.CreateAsync(bus, [source], counting: true);
        var worker = center.CreateWorker(new IngestOptions { GroupId = UniqueName.For("idle") });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = worker.RunAsync(stop.Token);
        try
        {
            const int Traffic = 10_000;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await using (var producer = bus.CreateProducer())
            {
                await producer.ProduceAsync(topic, [.. Enumerable.Range(0, Traffic).Select(i => IngestWorkload.Message(i, now))]);
            }
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (center.Counters.Messages < Traffic && DateTime.UtcNow < deadline)
            {
                try
                {
                    await center.Signal.Current.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (TimeoutException)
                {
                }
            }
            // Idle from here: wait until every partition's mark follows the clock (the source watermark passes now).
            var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            while (!(await center.Watermarks.GetEventTimeAsync(source.Name, cancellationToken) >= stoppedAt) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
            var watermarkBefore = await center.Watermarks.GetEventTimeAsync(source.Name, cancellationToken);
            var writes = center.HotCounter!.Writes + center.ColdCounter!.Writes;
            var reads = center.HotCounter.Reads + center.ColdCounter.Reads;
            var rounds = center.Counters.IdleRounds;
            var idle = TimeSpan.FromMinutes(1);
            await Task.Delay(idle, cancellationToken);
            writes = center.HotCounter.Writes + center.ColdCounter.Writes - writes;
            reads = center.HotCounter.Reads + center.ColdCounter.Reads - reads;
            var watermarkAfter = await center.Watermarks.GetEventTimeAsync(source.Name, cancellationToken);
            context.Log($"idle {idle.TotalSeconds:0} s after {Traffic:N0} events: {writes} storage writes, {reads} storage reads, "
                + $"{center.Counters.IdleRounds - rounds} idle rounds, watermark moved {(watermarkAfter - watermarkBefore) / 1000.0:0.0} s");
            return (writes, reads);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }
}
