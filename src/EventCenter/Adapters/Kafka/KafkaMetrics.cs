using System.Diagnostics.Metrics;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>The Kafka adapter's instruments on meter <see cref="MeterName"/>: messages produced and consumed, produce failures, by topic.</summary>
public sealed class KafkaMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.Kafka";

    private readonly Counter<long> produced;
    private readonly Counter<long> failed;
    private readonly Counter<long> consumed;

    /// <summary>Creates the instruments.</summary>
    public KafkaMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        produced = meter.CreateCounter<long>("kafka.messages.produced", description: "Messages the cluster acknowledged, by topic.");
        failed = meter.CreateCounter<long>("kafka.messages.produce_failed", description: "Messages the cluster did not acknowledge (the caller retries or dead-letters them), by topic.");
        consumed = meter.CreateCounter<long>("kafka.messages.consumed", description: "Messages consumers of this process received, by topic.");
    }

    internal void Produced(string topic, int delivered, int failures)
    {
        var tag = new KeyValuePair<string, object?>("topic", topic);
        if (delivered > 0)
        {
            produced.Add(delivered, tag);
        }
        if (failures > 0)
        {
            failed.Add(failures, tag);
        }
    }

    internal void Consumed(IReadOnlyList<Bus.BusMessage> messages)
    {
        foreach (var topic in messages.GroupBy(m => m.Topic))
        {
            consumed.Add(topic.Count(), new KeyValuePair<string, object?>("topic", topic.Key));
        }
    }
}
