namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// Where an event was read from, in terms general enough for every transport:
/// Kafka: (topic, partition, offset); RabbitMQ forwarded to Kafka: the Kafka position, or (queue, 0, sequence);
/// HTTP message-forward: (endpoint, shard, sequence assigned by the API). Positions order same-time events of
/// an entity deterministically, and give an event id to events whose source has none.
/// </summary>
/// <param name="Stream">Topic, queue or endpoint name.</param>
/// <param name="Partition">Partition (0 for unpartitioned streams).</param>
/// <param name="Offset">Offset or sequence number inside the partition.</param>
public readonly record struct SourcePosition(string Stream, int Partition, long Offset)
{
    /// <inheritdoc />
    public override string ToString() => $"{Stream}/{Partition}@{Offset}";
}
