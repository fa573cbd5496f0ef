using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;

namespace FeaturePlatform.EventCenter.Ingestion;

/// <summary>
/// Advances the watermark index after each stored batch: per (source, partition) the next offset (everything
/// below is stored) and the partition's event-time mark; per source the event-time watermark, the minimum of its
/// partitions' marks (SEMANTICS.md §2).
/// </summary>
/// <remarks>
/// <para>The event-time mark of a partition is the highest event time stored from it minus the source's
/// <see cref="SourceDefinition.EffectiveMaxOutOfOrderness"/>: every on-time event of the partition at or below it is
/// stored. A partition that is <em>caught up</em> (stored up to the end offset the consumer last saw) and idle for
/// <see cref="IngestOptions.IdlePartitionTimeout"/> no longer holds its source back: its mark follows the clock at the
/// source's <see cref="SourceDefinition.EffectiveMaxDelay"/> (the longest a change takes to reach the bus), or rises
/// to the time of the source's latest heartbeat. A partition that is not caught up (a backlog, a lagging consumer)
/// never follows the clock. Idle partitions are checked after every stored batch too, so a busy topic in the same
/// group does not stall a quiet source. Events arriving below their source's watermark are stored and counted as
/// late, per source.</para>
/// <para>Writes: the tracker remembers what it knows to be stored (<see cref="SourceView"/>) and writes only rows
/// that change, all of a round in one batch (<see cref="IWatermarkStore.WriteAsync"/>, max-merged, no read first).
/// An idle partition's mark is stored once as a clock rule (renewed when half of
/// <see cref="IngestOptions.IdleMarkLease"/> is left), so idle rounds make no storage call at all. When a round
/// changed a partition's mark, the source's rows are read once (other processes own other partitions) to compute
/// the source's watermark.</para>
/// </remarks>
internal sealed class WatermarkTracker(
    IWatermarkStore watermarks,
    IMessageBus bus,
    SourceRegistry sources,
    IngestOptions options,
    IngestCounters counters,
    WatermarkSignal signal,
    TimeProvider clock)
{
    private readonly Dictionary<BusPartition, long> lastMessageAt = [];
    private readonly Dictionary<string, SourceView> views = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> partitionCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> heartbeatTimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> lastSourceRefresh = new(StringComparer.Ordinal);
    private readonly long lease = (long)options.IdleMarkLease.TotalMilliseconds;
    private long lastIdleCheck;

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Counts events of a batch that arrive below their source's current watermark.</summary>
    public async ValueTask CountLateAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var now = Now;
        foreach (var ofSource in events.GroupBy(e => e.Source))
        {
            // The view is read once per source and process: the first batch after start-up counts too.
            var watermark = (await ViewAsync(ofSource.Key, cancellationToken)).EventTime.At(now);
            var late = ofSource.Count(e => e.EventTime <= watermark);
            if (late > 0)
            {
                counters.AddLate(ofSource.Key, late);
            }
        }
    }

    /// <summary>Records a stored batch: every message in it is handled (stored or dead-lettered).</summary>
    /// <param name="batch">The messages stored (or dead-lettered).</param>
    /// <param name="parsed">The events of each stored message.</param>
    /// <param name="heartbeats">Connector heartbeats in the batch: the partition and the heartbeat's time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask RecordStoredAsync(
        IReadOnlyList<BusMessage> batch,
        IReadOnlyList<(BusMessage Message, IReadOnlyList<ChangeEvent> Events)> parsed,
        IReadOnlyList<(BusMessage Message, string Source, long Time)> heartbeats,
        CancellationToken cancellationToken)
    {
        var now = Now;
        var round = new List<WatermarkWrite>();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        // A partition's mark: its highest stored event time less the source's allowed out-of-orderness.
        var highs = parsed.Where(p => p.Events.Count > 0)
            .GroupBy(p => (Partition: new BusPartition(p.Message.Topic, p.Message.Partition), Source: p.Events[0].Source))
            .ToDictionary(g => g.Key, g => (long?)(g.SelectMany(p => p.Events).Max(e => e.EventTime) - OutOfOrderness(g.Key.Source)));
        foreach (var beat in heartbeats)
        {
            // A heartbeat partition's mark is its heartbeat time; the source's caught-up partitions follow at idle checks.
            var key = (new BusPartition(beat.Message.Topic, beat.Message.Partition), beat.Source);
            highs[key] = Math.Max(highs.GetValueOrDefault(key) ?? long.MinValue, beat.Time);
            heartbeatTimes[beat.Source] = Math.Max(heartbeatTimes.GetValueOrDefault(beat.Source, long.MinValue), beat.Time);
        }
        foreach (var group in batch.GroupBy(m => new BusPartition(m.Topic, m.Partition)))
        {
            lastMessageAt[group.Key] = now;
            if (sources.ForTopic(group.Key.Topic) is not { } source)
            {
                continue;
            }
            var view = await ViewAsync(source.Name, cancellationToken);
            var next = group.Max(m => m.Offset) + 1;
            if (view.RaiseOffset(group.Key, next))
            {
                round.Add(WatermarkWrite.Offset(source.Name, group.Key.Topic, group.Key.Partition, next));
            }
            // Traffic on the partition: its mark stops following the clock (frozen where it is now).
            highs.TryAdd((group.Key, source.Name), null);
        }
        foreach (var ((partition, sourceName), high) in highs)
        {
            var view = await ViewAsync(sourceName, cancellationToken);
            if (view.RecordTraffic(partition, high, now) is { } write)
            {
                round.Add(WatermarkWrite.PartitionTime(sourceName, partition.Topic, partition.Partition, write.Value, write.Follow));
                changed.Add(sourceName);
            }
        }
        await FlushAsync(round, changed, highs.Keys, now, cancellationToken);
    }

    /// <summary>
    /// Checks the idle partitions at most every <see cref="IdleCheckInterval"/> (called after each stored batch, so
    /// a busy topic in the group does not hold back a quiet one).
    /// </summary>
    public ValueTask MaybeRecordIdleAsync(IBusConsumer consumer, CancellationToken cancellationToken) =>
        Now - lastIdleCheck >= IdleCheckInterval ? RecordIdleAsync(consumer, cancellationToken) : ValueTask.CompletedTask;

    private long IdleCheckInterval => Math.Clamp((long)options.IdlePartitionTimeout.TotalMilliseconds / 2, 10, 250);

    private HashSet<BusPartition>? lastAssignment;

    /// <summary>
    /// Lets caught-up idle assigned partitions' marks follow the clock at their source's MaxDelay (or rise to its latest
    /// heartbeat); stops a partition that is not caught up from following the clock. No storage call unless a row changes.
    /// </summary>
    public async ValueTask RecordIdleAsync(IBusConsumer consumer, CancellationToken cancellationToken)
    {
        counters.AddIdleRound();
        var now = Now;
        lastIdleCheck = now;
        if (lastAssignment is null || !lastAssignment.SetEquals(consumer.Assignment))
        {
            if (lastAssignment is not null)
            {
                counters.AddAssignmentChange();
            }
            lastAssignment = [.. consumer.Assignment];
        }
        var round = new List<WatermarkWrite>();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var idle = new HashSet<string>(StringComparer.Ordinal);
        var busy = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partition in consumer.Assignment)
        {
            if (sources.ForTopic(partition.Topic) is not { } source)
            {
                continue;
            }
            var view = await ViewAsync(source.Name, cancellationToken);
            if (!view.IsCaughtUp(partition, consumer.KnownEndOffset(partition)))
            {
                busy.Add(source.Name);
                // A backlog (or a partition just taken over from another member): never follows the clock.
                lastMessageAt[partition] = now;
                if (view.RecordTraffic(partition, null, now) is { Follow: { } freeze })
                {
                    round.Add(WatermarkWrite.PartitionTime(source.Name, partition.Topic, partition.Partition, null, freeze));
                    changed.Add(source.Name);
                }
                continue;
            }
            if (!lastMessageAt.TryGetValue(partition, out var last))
            {
                // First sight of this partition: its idle clock starts now.
                lastMessageAt[partition] = now;
                busy.Add(source.Name);
                continue;
            }
            if (now - last < options.IdlePartitionTimeout.TotalMilliseconds)
            {
                busy.Add(source.Name);
                continue;
            }
            idle.Add(source.Name);
            long? beat = heartbeatTimes.TryGetValue(source.Name, out var h) && view.RaiseValue(partition, h) ? h : null;
            var rule = view.RecordIdle(partition, (long)source.EffectiveMaxDelay.TotalMilliseconds, lease, now);
            if (rule is not null || beat is not null)
            {
                round.Add(WatermarkWrite.PartitionTime(source.Name, partition.Topic, partition.Partition, beat, rule));
                changed.Add(source.Name);
            }
        }
        foreach (var sourceName in idle.Except(busy).Except(changed))
        {
            // Every partition here follows the clock but the source does not (as last written or read): another member
            // may have computed the source from this process's partitions before their rules were stored, or still
            // have traffic. Read the source's rows again now and then until it follows; once it does, idle rounds
            // read nothing.
            if (!views[sourceName].EventTime.IsFollowing(now) && now - lastSourceRefresh.GetValueOrDefault(sourceName, long.MinValue / 2) >= options.IdlePartitionTimeout.TotalMilliseconds)
            {
                lastSourceRefresh[sourceName] = now;
                changed.Add(sourceName);
            }
        }
        await FlushAsync(round, changed, [], now, cancellationToken);
    }

    private long OutOfOrderness(string sourceName) =>
        (long)(sources.Find(sourceName)?.EffectiveMaxOutOfOrderness ?? TimeSpan.Zero).TotalMilliseconds;

    /// <summary>Adds the changed sources' watermarks to the round and writes it in one batch.</summary>
    private async ValueTask FlushAsync(List<WatermarkWrite> round, HashSet<string> changed, IReadOnlyCollection<(BusPartition Partition, string Source)> traffic, long now, CancellationToken cancellationToken)
    {
        foreach (var sourceName in changed)
        {
            if (await SourceWriteAsync(sourceName, round, traffic, now, cancellationToken) is { } write)
            {
                round.Add(write);
            }
        }
        if (round.Count == 0)
        {
            return;
        }
        await watermarks.WriteAsync(round, cancellationToken);
        signal.Pulse();
    }

    /// <summary>Reads the source's rows (other processes' partitions), overlays this round's writes, and says what changes.</summary>
    private async ValueTask<WatermarkWrite?> SourceWriteAsync(string sourceName, List<WatermarkWrite> round, IReadOnlyCollection<(BusPartition Partition, string Source)> traffic, long now, CancellationToken cancellationToken)
    {
        var view = views[sourceName];
        view.Refresh(await watermarks.ReadSourceAsync(sourceName, cancellationToken), round.Where(w => w.Source == sourceName && w.Kind == WatermarkKind.PartitionTime));
        foreach (var partition in traffic.Where(t => t.Source == sourceName))
        {
            // Another process (the partition's previous owner) may have left it following the clock: freeze it.
            if (view.RecordTraffic(partition.Partition, null, now) is { Follow: { } freeze })
            {
                round.Add(WatermarkWrite.PartitionTime(sourceName, partition.Partition.Topic, partition.Partition.Partition, null, freeze));
            }
        }
        var marks = new List<StoredMark>();
        foreach (var topic in sources.Find(sourceName)?.EffectiveTopics ?? [])
        {
            var count = await PartitionCountAsync(topic, cancellationToken);
            for (var p = 0; p < count; p++)
            {
                marks.Add(view.TimeMark(new BusPartition(topic, p)));
            }
        }
        if (SourceWatermarkRule.Combine(marks, now) is not { } desired)
        {
            // A partition nobody has marked yet (no message, not yet seen idle) holds the source back.
            return null;
        }
        var (value, follow) = SourceWatermarkRule.Changes(view.EventTime, desired, now);
        if (value is null && follow is null)
        {
            return null;
        }
        view.SetEventTime(value, follow);
        return WatermarkWrite.EventTime(sourceName, value, follow);
    }

    private async ValueTask<SourceView> ViewAsync(string sourceName, CancellationToken cancellationToken)
    {
        if (!views.TryGetValue(sourceName, out var view))
        {
            // Once per source and process: what is stored already (earlier runs, other processes).
            view = new SourceView(await watermarks.ReadSourceAsync(sourceName, cancellationToken));
            views[sourceName] = view;
        }
        return view;
    }

    private async ValueTask<int> PartitionCountAsync(string topic, CancellationToken cancellationToken)
    {
        if (!partitionCounts.TryGetValue(topic, out var count))
        {
            count = await bus.GetPartitionCountAsync(topic, cancellationToken) ?? 0;
            if (count > 0)
            {
                partitionCounts[topic] = count;
            }
        }
        return count;
    }
}
