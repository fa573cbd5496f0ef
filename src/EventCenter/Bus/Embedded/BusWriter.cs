using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Bus.Embedded;

/// <summary>
/// The single writer of the bus file. Produce and commit requests queue here and are applied in group commits:
/// one transaction for many requests, each completed only after its transaction committed (durable). Offsets
/// are assigned here, so they are dense and ordered per partition.
/// </summary>
internal sealed class BusWriter : IAsyncDisposable
{
    private readonly SqliteConnection connection;
    private readonly Channel<BusWrite> queue = Channel.CreateUnbounded<BusWrite>(new() { SingleReader = true });
    private readonly int maxRequestsPerCommit;
    private readonly Action committed;
    private readonly Dictionary<(string Topic, int Partition), long> nextOffsets = [];
    private readonly Task loop;

    public BusWriter(SqliteConnection connection, int maxRequestsPerCommit, Action committed)
    {
        this.connection = connection;
        this.maxRequestsPerCommit = maxRequestsPerCommit;
        this.committed = committed;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Appends messages, already assigned to partitions; completes with their positions once durable.</summary>
    public Task<IReadOnlyList<BusPosition>> ProduceAsync(string topic, IReadOnlyList<(int Partition, OutgoingMessage Message)> messages, long timestampMs) =>
        Enqueue(new ProduceWrite(topic, messages, timestampMs));

    /// <summary>Stores a group's committed positions once durable.</summary>
    public Task<IReadOnlyList<BusPosition>> CommitAsync(string group, IReadOnlyList<BusPosition> positions) =>
        Enqueue(new CommitWrite(group, positions));

    /// <summary>Records a topic (idempotent: an existing topic keeps its partition count).</summary>
    public Task<IReadOnlyList<BusPosition>> CreateTopicAsync(string topic, int partitions) =>
        Enqueue(new TopicWrite(topic, partitions));

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
    }

    private Task<IReadOnlyList<BusPosition>> Enqueue(BusWrite write)
    {
        if (!queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(EmbeddedMessageBus));
        }
        return write.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<BusWrite>(maxRequestsPerCommit);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < maxRequestsPerCommit && queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }
            ApplyBatch(batch);
        }
    }

    private void ApplyBatch(List<BusWrite> batch)
    {
        // Offsets handed out in this batch become real only if its transaction commits.
        var pending = new Dictionary<(string, int), long>();
        var results = new IReadOnlyList<BusPosition>[batch.Count];
        try
        {
            using var transaction = connection.BeginTransaction();
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] = batch[i] switch
                {
                    ProduceWrite p => Append(p, transaction, pending),
                    CommitWrite c => StoreCommit(c, transaction),
                    TopicWrite tw => StoreTopic(tw, transaction),
                    _ => throw new InvalidOperationException("Unknown bus write."),
                };
            }
            transaction.Commit();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            foreach (var write in batch)
            {
                write.Completion.TrySetException(new IOException($"The embedded bus could not store the write: {e.Message}", e));
            }
            return;
        }
        foreach (var (key, next) in pending)
        {
            nextOffsets[key] = next;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }
        committed();
    }

    private BusPosition[] Append(ProduceWrite write, SqliteTransaction transaction, Dictionary<(string, int), long> pending)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO messages (topic, partition, offset, key, value, ts, headers) VALUES ($t, $p, $o, $k, $v, $ts, $h)";
        var t = insert.Parameters.Add("$t", SqliteType.Text);
        var p = insert.Parameters.Add("$p", SqliteType.Integer);
        var o = insert.Parameters.Add("$o", SqliteType.Integer);
        var k = insert.Parameters.Add("$k", SqliteType.Blob);
        var v = insert.Parameters.Add("$v", SqliteType.Blob);
        var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
        var h = insert.Parameters.Add("$h", SqliteType.Blob);
        t.Value = write.Topic;
        ts.Value = write.TimestampMs;
        var positions = new BusPosition[write.Messages.Count];
        for (var i = 0; i < positions.Length; i++)
        {
            var (partition, message) = write.Messages[i];
            var key = (write.Topic, partition);
            if (!pending.TryGetValue(key, out var offset))
            {
                offset = NextOffset(key, transaction);
            }
            p.Value = partition;
            o.Value = offset;
            k.Value = (object?)message.Key ?? DBNull.Value;
            v.Value = message.Value;
            h.Value = (object?)HeaderCodec.Encode(message.Headers) ?? DBNull.Value;
            insert.ExecuteNonQuery();
            pending[key] = offset + 1;
            positions[i] = new BusPosition(write.Topic, partition, offset);
        }
        return positions;
    }

    private long NextOffset((string Topic, int Partition) key, SqliteTransaction transaction)
    {
        if (nextOffsets.TryGetValue(key, out var next))
        {
            return next;
        }
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = "SELECT COALESCE(MAX(offset) + 1, 0) FROM messages WHERE topic = $t AND partition = $p";
        query.Parameters.AddWithValue("$t", key.Topic);
        query.Parameters.AddWithValue("$p", key.Partition);
        var fromMessages = (long)query.ExecuteScalar()!;
        // Retention may have removed every message of a partition: the offset still never goes back.
        query.CommandText = "SELECT COALESCE(MAX(offset), 0) FROM group_offsets WHERE topic = $t AND partition = $p";
        var fromCommits = (long)query.ExecuteScalar()!;
        return Math.Max(fromMessages, fromCommits);
    }

    private BusPosition[] StoreCommit(CommitWrite write, SqliteTransaction transaction)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO group_offsets (grp, topic, partition, offset) VALUES ($g, $t, $p, $o)
            ON CONFLICT (grp, topic, partition) DO UPDATE SET offset = excluded.offset
            """;
        var g = upsert.Parameters.Add("$g", SqliteType.Text);
        var t = upsert.Parameters.Add("$t", SqliteType.Text);
        var p = upsert.Parameters.Add("$p", SqliteType.Integer);
        var o = upsert.Parameters.Add("$o", SqliteType.Integer);
        g.Value = write.Group;
        foreach (var position in write.Positions)
        {
            t.Value = position.Topic;
            p.Value = position.Partition;
            o.Value = position.Offset;
            upsert.ExecuteNonQuery();
        }
        return [.. write.Positions];
    }

    private BusPosition[] StoreTopic(TopicWrite write, SqliteTransaction transaction)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO topics (name, partitions) VALUES ($n, $p) ON CONFLICT (name) DO NOTHING";
        insert.Parameters.AddWithValue("$n", write.Topic);
        insert.Parameters.AddWithValue("$p", write.Partitions);
        insert.ExecuteNonQuery();
        return [];
    }

    private abstract class BusWrite
    {
        public TaskCompletionSource<IReadOnlyList<BusPosition>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class ProduceWrite(string topic, IReadOnlyList<(int Partition, OutgoingMessage Message)> messages, long timestampMs) : BusWrite
    {
        public string Topic => topic;

        public IReadOnlyList<(int Partition, OutgoingMessage Message)> Messages => messages;

        public long TimestampMs => timestampMs;
    }

    private sealed class CommitWrite(string group, IReadOnlyList<BusPosition> positions) : BusWrite
    {
        public string Group => group;

        public IReadOnlyList<BusPosition> Positions => positions;
    }

    private sealed class TopicWrite(string topic, int partitions) : BusWrite
    {
        public string Topic => topic;

        public int Partitions => partitions;
    }
}
