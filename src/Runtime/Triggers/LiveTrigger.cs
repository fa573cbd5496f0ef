using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// The live stream: a consumer group per job on the trigger source's topics (Kafka or the embedded bus); several
/// runtime processes in the same group share the partitions, and offsets are committed only after a batch's results
/// are written. The logic runs what ingestion stored, never the bus bytes: each batch first waits until the event
/// center has stored its positions (at every consistency level), then loads the stored event of every change the
/// messages carry (parsed with the source's own parser only to learn the event ids) and runs exactly those stored
/// from this message's position. So a re-delivered duplicate (stored from an earlier position), a change under an id
/// a different change holds (kept only as a conflict record) and a message ingestion dead-lettered never run live,
/// and what runs is the canonical stored event, field for field what a replay reads.
/// </summary>
public sealed class LiveTrigger(
    IMessageBus bus,
    SourceDefinition source,
    string groupId,
    ConsistencyLevel consistency,
    ConsistencyWaiter waiter,
    IEventReader events,
    LiveTriggerOptions? options = null,
    TimeProvider? clock = null) : ITrigger
{
    private readonly LiveTriggerOptions options = options ?? new LiveTriggerOptions();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private long skipped;

    /// <inheritdoc />
    public string Description => $"live {source.Name} (group {groupId}, {consistency})";

    /// <inheritdoc />
    public long? EstimatedTotal => null;

    /// <summary>
    /// Changes read from the bus that did not run because ingestion did not store them from that message: duplicates,
    /// conflicts and dead letters (ingestion counts and records each of them).
    /// </summary>
    public long Skipped => Interlocked.Read(ref skipped);

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
            // Every level waits until ingestion has stored the batch: the trigger runs the stored event, not the message.
            // (Levels differ in what the logic's reads wait for: see SEMANTICS §3.) Within a partition the event center
            // stores in offset order, so the batch's last offset covers the rest.
            foreach (var partition in messages.GroupBy(m => (m.Topic, m.Partition)))
            {
                var last = partition.Max(m => m.Offset);
                await waiter.WaitForStoredAsync(source.Name, new SourcePosition(partition.Key.Topic, partition.Key.Partition, last), options.TriggerWaitTimeout, cancellationToken);
            }
            var stored = await LoadStoredAsync(messages, cancellationToken);
            var commits = messages.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();
            yield return new TriggerBatch(stored, ct => consumer.CommitAsync(commits, ct));
        }
    }

    /// <summary>
    /// The stored events of the messages' changes, in message order, keeping only those ingestion stored from the very
    /// message they came in (its position): the canonical, de-duplicated events.
    /// </summary>
    private async Task<List<ChangeEvent>> LoadStoredAsync(IReadOnlyList<BusMessage> messages, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var wanted = new List<(SourcePosition Position, string EventId)>(messages.Count);
        foreach (var m in messages)
        {
            // Parsed only for the ids of its changes (a Canal message carries several); ingestion parses it the same way.
            var position = new SourcePosition(m.Topic, m.Partition, m.Offset);
            foreach (var e in EventParsers.Parse(source, new RawMessage(position, m.Key, m.Value, m.TimestampMs, m.Headers), now).Events)
            {
                wanted.Add((position, e.EventId));
            }
        }
        var run = new List<ChangeEvent>(wanted.Count);
        if (wanted.Count == 0)
        {
            return run;
        }
        var found = await events.GetByIdsAsync(source.Name, [.. wanted.Select(w => w.EventId)], cancellationToken);
        for (var i = 0; i < wanted.Count; i++)
        {
            if (found[i] is { } e && e.Position == wanted[i].Position)
            {
                run.Add(e);
            }
            else
            {
                Interlocked.Increment(ref skipped);
            }
        }
        return run;
    }
}

/// <summary>Settings of live triggers.</summary>
public sealed record LiveTriggerOptions
{
    /// <summary>Messages per batch at most. Default: 500.</summary>
    public int MaxBatchMessages { get; init; } = 500;

    /// <summary>How long a consume waits for the first message. Default: 50 ms.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a batch waits for ingestion to store it (at every consistency level). Default: 30 s.</summary>
    public TimeSpan TriggerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
