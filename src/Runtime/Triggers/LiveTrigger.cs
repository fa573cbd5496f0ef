using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// The live stream: a consumer group per job on the trigger source's topics (Kafka or the embedded bus). Messages are
/// parsed with the source's own parser, exactly as ingestion parses them, so the logic sees the same events it
/// would see in a replay. With trigger-strong consistency each batch first waits until ingestion has stored it.
/// Several runtime processes in the same group share the partitions; offsets are committed only after a batch's
/// results are written.
/// </summary>
public sealed class LiveTrigger(
    IMessageBus bus,
    SourceDefinition source,
    string groupId,
    ConsistencyLevel consistency,
    ConsistencyWaiter waiter,
    LiveTriggerOptions? options = null,
    TimeProvider? clock = null) : ITrigger
{
    private readonly LiveTriggerOptions options = options ?? new LiveTriggerOptions();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    public string Description => $"live {source.Name} (group {groupId})";

    /// <inheritdoc />
    public long? EstimatedTotal => null;

    /// <inheritdoc />
    public async IAsyncEnumerable<TriggerBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var consumer = bus.CreateConsumer(groupId, [.. source.EffectiveTopics]);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<BusMessage> messages;
            try
            {
                messages = await consumer.ConsumeAsync(options.MaxBatchMessages, options.MaxBatchWait, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            if (messages.Count == 0)
            {
                continue;
            }
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var events = new List<ChangeEvent>(messages.Count);
            foreach (var m in messages)
            {
                // Messages ingestion dead-letters carry no events for the logic either.
                var parsed = EventParsers.Parse(source, new RawMessage(new SourcePosition(m.Topic, m.Partition, m.Offset), m.Key, m.Value, m.TimestampMs, m.Headers), now);
                events.AddRange(parsed.Events);
            }
            // Every level stronger than eventual includes trigger-strong: a fetch-strong read waits for on-time data only,
            // so a late triggering event (time below the watermark) must still be stored before the logic reads its source.
            if (consistency is ConsistencyLevel.TriggerStrong or ConsistencyLevel.FetchStrong or ConsistencyLevel.FetchStrongNoDelay)
            {
                // Within a partition the event center stores in offset order: the batch's last offset covers the rest.
                foreach (var partition in messages.GroupBy(m => (m.Topic, m.Partition)))
                {
                    var last = partition.Max(m => m.Offset);
                    await waiter.WaitForStoredAsync(source.Name, new SourcePosition(partition.Key.Topic, partition.Key.Partition, last), options.TriggerWaitTimeout, cancellationToken);
                }
            }
            var commits = messages.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();
            yield return new TriggerBatch(events, ct => consumer.CommitAsync(commits, ct));
        }
    }
}

/// <summary>Settings of live triggers.</summary>
public sealed record LiveTriggerOptions
{
    /// <summary>Messages per batch at most. Default: 500.</summary>
    public int MaxBatchMessages { get; init; } = 500;

    /// <summary>How long a consume waits for the first message. Default: 50 ms.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a trigger-strong batch waits for ingestion to store it. Default: 30 s.</summary>
    public TimeSpan TriggerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
