using System.Text;

namespace FeaturePlatform.Benchmarks.Scenarios.Kafka;

/// <summary>
/// The messages both clients send: <see cref="Count"/> keyed messages (<see cref="DistinctKeys"/> keys, ~200-byte
/// values) over a topic of <see cref="Partitions"/> partitions, with the same client settings.
/// </summary>
internal sealed class KafkaWorkload
{
    public const int Partitions = 16;
    public const int DistinctKeys = 10_000;
    public const int ValueBytes = 200;

    public KafkaWorkload(int count, string bootstrapServers)
    {
        Count = count;
        Keys = [.. Enumerable.Range(0, DistinctKeys).Select(i => Encoding.ASCII.GetBytes($"key-{i:D5}"))];
        Values = [.. Enumerable.Range(0, 16).Select(i => Encoding.ASCII.GetBytes(new string((char)('a' + i), ValueBytes)))];
        ProducerSettings = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = bootstrapServers,
            ["acks"] = "all",
            ["enable.idempotence"] = "true",
            ["linger.ms"] = "5",
            ["log_level"] = "3",
        };
        ConsumerSettingsBase = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = bootstrapServers,
            ["auto.offset.reset"] = "earliest",
            ["enable.auto.commit"] = "false",
            ["session.timeout.ms"] = "6000",
            ["log_level"] = "3",
        };
    }

    public int Count { get; }

    public byte[][] Keys { get; }

    public byte[][] Values { get; }

    public IReadOnlyDictionary<string, string> ProducerSettings { get; }

    private Dictionary<string, string> ConsumerSettingsBase { get; }

    public byte[] Key(int i) => Keys[i % DistinctKeys];

    public byte[] Value(int i) => Values[i % Values.Length];

    public Dictionary<string, string> ConsumerSettings(string groupId) => new(ConsumerSettingsBase) { ["group.id"] = groupId };
}
