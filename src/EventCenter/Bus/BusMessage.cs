namespace FeaturePlatform.EventCenter.Bus;

/// <summary>A message read from a bus topic partition.</summary>
/// <param name="Topic">Topic it was read from.</param>
/// <param name="Partition">Partition within the topic.</param>
/// <param name="Offset">Offset within the partition (dense, starting at 0).</param>
/// <param name="Key">Message key (partitioning and entity identity); null when absent.</param>
/// <param name="Value">Payload bytes.</param>
/// <param name="TimestampMs">Producer timestamp, ms since the Unix epoch.</param>
/// <param name="Headers">Headers in the order they were produced.</param>
public sealed record BusMessage(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[] Value,
    long TimestampMs,
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers)
{
    /// <summary>The position just after this message: what a consumer commits once it is processed.</summary>
    public BusPosition Next => new(Topic, Partition, Offset + 1);
}

/// <summary>A position in a topic partition: the offset of the next message to read.</summary>
public readonly record struct BusPosition(string Topic, int Partition, long Offset);

/// <summary>A message to produce.</summary>
/// <param name="Key">Key; messages with the same key go to the same partition. Null spreads messages over the partitions.</param>
/// <param name="Value">Payload.</param>
/// <param name="Headers">Optional headers.</param>
/// <param name="Partition">
/// The partition to write to (0 to the topic's count − 1), e.g. to spread units of work evenly over a group's members;
/// null (default): chosen from <paramref name="Key"/>.
/// </param>
public sealed record OutgoingMessage(byte[]? Key, byte[] Value, IReadOnlyList<KeyValuePair<string, byte[]>>? Headers = null, int? Partition = null);

/// <summary>A topic partition.</summary>
public readonly record struct BusPartition(string Topic, int Partition);
