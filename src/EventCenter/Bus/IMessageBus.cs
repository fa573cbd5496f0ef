namespace FeaturePlatform.EventCenter.Bus;

/// <summary>
/// A partitioned, durable log with consumer groups: Kafka in production, the embedded bus on one machine.
/// Ingestion and the runtime are written against this, so both run unchanged on either.
/// </summary>
/// <remarks>
/// Delivery is at-least-once: a consumer sees every message of its assigned partitions from the group's
/// committed position on, and messages after the last commit may be seen again after a rebalance or a
/// restart. Consumers de-duplicate by message identity (the event center does, by event id).
/// </remarks>
public interface IMessageBus : IAsyncDisposable
{
    /// <summary>Creates a topic with this many partitions if it does not exist (idempotent).</summary>
    ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default);

    /// <summary>Number of partitions of <paramref name="topic"/>, or null if it does not exist.</summary>
    ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>
    /// The end offset (the offset the next appended message gets) of every partition of <paramref name="topic"/>, by
    /// partition number, or null when the topic does not exist. Asks the broker (Kafka) or the bus file (embedded):
    /// for operators' views of lag, not for hot paths.
    /// </summary>
    ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Creates a producer. Produce calls complete only once the message is durably stored.</summary>
    IBusProducer CreateProducer();

    /// <summary>Joins <paramref name="groupId"/> as a new member consuming <paramref name="topics"/>.</summary>
    IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics);

    /// <summary>Creates a producer tuned for latency; backends without such knobs return a plain producer.</summary>
    IBusProducer CreateProducer(BusLatencyTuning tuning) => CreateProducer();

    /// <summary>Joins a group as a member tuned for latency; backends without such knobs return a plain member.</summary>
    IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics, BusLatencyTuning tuning) => CreateConsumer(groupId, topics);
}

/// <summary>Writes messages to topics.</summary>
public interface IBusProducer : IAsyncDisposable
{
    /// <summary>
    /// Appends the messages to <paramref name="topic"/> and completes once all are durable. The positions line up
    /// with <paramref name="messages"/>.
    /// </summary>
    ValueTask<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);
}

/// <summary>One member of a consumer group.</summary>
public interface IBusConsumer : IAsyncDisposable
{
    /// <summary>The group this consumer belongs to.</summary>
    string GroupId { get; }

    /// <summary>
    /// The partitions assigned to this member as of its last consume (empty before the first). Assignments change
    /// when members join or leave; the change is seen at the next consume.
    /// </summary>
    IReadOnlyList<BusPartition> Assignment { get; }

    /// <summary>
    /// Returns up to <paramref name="maxMessages"/> messages of the currently assigned partitions, in offset order per
    /// partition; waits up to <paramref name="maxWait"/> when none is available and returns an empty list then.
    /// </summary>
    ValueTask<IReadOnlyList<BusMessage>> ConsumeAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits positions (offset of the next message to read) for the group. Positions of partitions no longer
    /// assigned to this member are ignored, so a revoked member cannot move another member's progress.
    /// </summary>
    ValueTask CommitAsync(IReadOnlyList<BusPosition> positions, CancellationToken cancellationToken = default);

    /// <summary>The group's committed position of a partition (0 when nothing is committed).</summary>
    ValueTask<long> GetCommittedAsync(string topic, int partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// The end offset (the offset the next appended message gets) of an assigned partition as this member last saw it
    /// while consuming — Kafka's high watermark from the last fetch, the embedded bus's end at the last read — or null
    /// when not known lately. Cheap and local: no broker call. Ingestion uses it to tell a caught-up partition from
    /// one it has not yet read to the end.
    /// </summary>
    long? KnownEndOffset(BusPartition partition) => null;
}
