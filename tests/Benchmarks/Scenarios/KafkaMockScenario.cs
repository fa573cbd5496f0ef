using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Benchmarks.Scenarios.Kafka;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// Confluent.Kafka produce and consume rates of keyed ~200-byte messages over a 16-partition topic on the
/// 3-broker mock cluster, against librdkafka's C API doing the same work in the same run.
/// </summary>
internal sealed class KafkaMockScenario : IBenchmarkScenario
{
    // The mock keeps ~5 MiB / 100k messages per partition and silently drops older ones: 200k over 16
    // partitions is ~12.5k messages (~3 MiB) per partition.
    private const int FullCount = 200_000;
    private const int QuickCount = 20_000;
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromMinutes(2);

    public string Name => "kafka-mock";

    public string Description =>
        "Confluent.Kafka produce (idempotent, acks=all) + consume msg/s, 16 partitions, 3-broker mock, vs raw librdkafka";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        context.Log($"librdkafka {LoadedLibrdkafka.Describe()}");
        var count = context.Quick ? QuickCount : FullCount;
        var rounds = context.Quick ? 1 : 3;
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        var workload = new KafkaWorkload(count, cluster.BootstrapServers);
        context.Log($"{count:N0} messages x {KafkaWorkload.ValueBytes} B, {KafkaWorkload.Partitions} partitions, {rounds} round(s), best of each kept (the machine is shared: single rounds vary a lot)");

        double rawProduce = 0, rawConsume = 0, confluentProduce = 0, confluentConsume = 0;
        for (var round = 1; round <= rounds; round++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            // Work on a thread-pool thread: both clients block in native calls.
            var (rp, rc) = await Task.Run(() => Run(cluster, workload, RawKafkaRun.Produce, RawKafkaRun.Consume), context.CancellationToken);
            context.Log($"round {round} raw librdkafka:  produce {rp:N0} msg/s, consume {rc:N0} msg/s");
            var (cp, cc) = await Task.Run(() => Run(cluster, workload, ConfluentKafkaRun.Produce, ConfluentKafkaRun.Consume), context.CancellationToken);
            context.Log($"round {round} Confluent.Kafka: produce {cp:N0} msg/s, consume {cc:N0} msg/s");
            rawProduce = Math.Max(rawProduce, rp);
            rawConsume = Math.Max(rawConsume, rc);
            confluentProduce = Math.Max(confluentProduce, cp);
            confluentConsume = Math.Max(confluentConsume, cc);
        }

        return
        [
            Measurement.HigherIsBetter("produce (idempotent, acks=all)", confluentProduce, "msg/s", "raw librdkafka rd_kafka_produce", rawProduce),
            Measurement.HigherIsBetter("consume (16 assigned partitions)", confluentConsume, "msg/s", "raw librdkafka rd_kafka_consumer_poll", rawConsume),
        ];
    }

    private static (double Produce, double Consume) Run(
        KafkaMockCluster cluster,
        KafkaWorkload workload,
        Func<KafkaWorkload, string, TimeSpan> produce,
        Func<KafkaWorkload, string, string, int, TimeSpan, TimeSpan> consume)
    {
        var topic = UniqueName.For("bench");
        cluster.CreateTopic(topic, KafkaWorkload.Partitions);
        var produced = produce(workload, topic);
        var consumed = consume(workload, topic, UniqueName.For("bench-group"), workload.Count, ConsumeTimeout);
        return (workload.Count / produced.TotalSeconds, workload.Count / consumed.TotalSeconds);
    }
}
