using FeaturePlatform.EventCenter.Bus;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>A member of an embedded consumer group: reads its assigned partitions from the group's committed positions on.</summary>
internal sealed class EmbeddedBusConsumer : IBusConsumer
{
    private readonly EmbeddedMessageBus bus;
    private readonly ConsumerGroup group;
    private readonly SqliteConnection connection;
    private readonly SqliteCommand read;
    private readonly Dictionary<(string Topic, int Partition), long> positions = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Topic, int Partition), (long End, long SeenAt)> ends = new();
    private readonly SemaphoreSlim exclusive = new(1, 1);
    private IReadOnlyList<BusPartition> assignment = [];
    private int generation = -1;
    private int nextPartition;
    private bool disposed;

    public EmbeddedBusConsumer(EmbeddedMessageBus bus, ConsumerGroup group, SqliteConnection connection)
    {
        this.bus = bus;
        this.group = group;
        this.connection = connection;
        read = connection.CreateCommand();
        read.CommandText = """
            SELECT offset, key, value, ts, headers FROM messages
            WHERE topic = $t AND partition = $p AND offset >= $o ORDER BY offset LIMIT $n
            """;
        read.Parameters.Add("$t", SqliteType.Text);
        read.Parameters.Add("$p", SqliteType.Integer);
        read.Parameters.Add("$o", SqliteType.Integer);
        read.Parameters.Add("$n", SqliteType.Integer);
    }

    public string GroupId => group.GroupId;

    public IReadOnlyList<BusPartition> Assignment => Volatile.Read(ref assignment);

    /// <summary>How recent a read that reached a partition's end must be to count as knowing its end offset.</summary>
    private const long EndFreshnessMs = 1_000;

    public long? KnownEndOffset(BusPartition partition) =>
        ends.TryGetValue((partition.Topic, partition.Partition), out var seen) && bus.NowMs() - seen.SeenAt <= EndFreshnessMs ? seen.End : null;

    public async ValueTask<IReadOnlyList<BusMessage>> ConsumeAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessages);
        await exclusive.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(maxWait);
            while (true)
            {
                var signal = bus.Committed;
                var messages = ReadAvailable(maxMessages);
                if (messages.Count > 0)
                {
                    return messages;
                }
                try
                {
                    await signal.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return [];
                }
            }
        }
        finally
        {
            exclusive.Release();
        }
    }

    public async ValueTask CommitAsync(IReadOnlyList<BusPosition> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var (_, assigned) = group.AssignmentOf(this);
        var owned = positions.Where(p => assigned.Contains((p.Topic, p.Partition))).ToList();
        if (owned.Count > 0)
        {
            await bus.Writer.CommitAsync(group.GroupId, owned).WaitAsync(cancellationToken);
        }
    }

    public ValueTask<long> GetCommittedAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(bus.ReadCommitted(connection, group.GroupId, topic, partition));

    public async ValueTask DisposeAsync()
    {
        await exclusive.WaitAsync();
        try
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            group.Leave(this);
            read.Dispose();
            connection.Dispose();
        }
        finally
        {
            exclusive.Release();
        }
    }

    private List<BusMessage> ReadAvailable(int maxMessages)
    {
        RefreshAssignment();
        var result = new List<BusMessage>();
        var assigned = positions.Keys.ToList();
        // Start at a different partition each time so one busy partition cannot starve the others.
        for (var i = 0; i < assigned.Count && result.Count < maxMessages; i++)
        {
            var key = assigned[(nextPartition + i) % assigned.Count];
            ReadPartition(key, maxMessages - result.Count, result);
        }
        nextPartition = assigned.Count == 0 ? 0 : (nextPartition + 1) % assigned.Count;
        return result;
    }

    private void ReadPartition((string Topic, int Partition) key, int limit, List<BusMessage> into)
    {
        read.Parameters["$t"].Value = key.Topic;
        read.Parameters["$p"].Value = key.Partition;
        read.Parameters["$o"].Value = positions[key];
        read.Parameters["$n"].Value = limit;
        var before = into.Count;
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var offset = reader.GetInt64(0);
            var message = new BusMessage(
                key.Topic,
                key.Partition,
                offset,
                reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1),
                (byte[])reader.GetValue(2),
                reader.GetInt64(3),
                HeaderCodec.Decode(reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4)));
            into.Add(message);
            positions[key] = offset + 1;
        }
        if (into.Count - before < limit)
        {
            // The read got everything there was: the partition's end is the read position now.
            ends[key] = (positions[key], bus.NowMs());
        }
    }

    private void RefreshAssignment()
    {
        if (group.Generation == generation)
        {
            return;
        }
        var (current, assigned) = group.AssignmentOf(this);
        foreach (var revoked in positions.Keys.Except(assigned).ToList())
        {
            positions.Remove(revoked);
            ends.TryRemove(revoked, out _);
        }
        foreach (var added in assigned.Where(a => !positions.ContainsKey(a)))
        {
            positions[added] = bus.ReadCommitted(connection, group.GroupId, added.Topic, added.Partition);
        }
        Volatile.Write(ref assignment, assigned.Select(a => new BusPartition(a.Topic, a.Partition)).ToList());
        generation = current;
    }
}
