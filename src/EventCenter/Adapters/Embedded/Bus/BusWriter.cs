using System.Threading.Channels;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>
/// The single writer of the bus file. Produce and commit requests queue here and are applied in group commits:
/// one transaction for many requests, each completed only after its transaction committed (durable). Offsets
/// are assigned here, so they are dense and ordered per partition.
/// </summary>
/// <remarks>
/// A failed transaction fails its requests (with <see cref="StorageUnavailableException"/> when the disk is full,
/// read-only or failing) and nothing else: SQLite's own rollback is respected (<see cref="SqliteWriteTransaction"/>),
/// a connection in doubt is replaced, and the next batch is written as usual once the cause is gone.
/// </remarks>
internal sealed class BusWriter : IAsyncDisposable
{
    private readonly Func<SqliteConnection> open;
    private readonly string path;
    private readonly Channel<BusWrite> queue = Channel.CreateUnbounded<BusWrite>(new() { SingleReader = true });
    private readonly int maxRequestsPerCommit;
    private readonly Action committed;
    private readonly Dictionary<(string Topic, int Partition), long> nextOffsets = [];
    private readonly SqliteSizeCap sizeCap;
    private readonly WriteFaults faults;
    private readonly TimeProvider clock;
    private readonly Task loop;
    private SqliteConnection? connection;

    public BusWriter(SqliteConnection connection, Func<SqliteConnection> open, string path, EmbeddedBusOptions options, TimeProvider clock, Action committed)
    {
        this.connection = connection;
        this.open = open;
        this.path = path;
        this.clock = clock;
        maxRequestsPerCommit = options.MaxRequestsPerCommit;
        this.committed = committed;
        sizeCap = new SqliteSizeCap(options.MaxDatabaseBytes);
        faults = new WriteFaults(path, options.FaultMonitor, ProbeAsync);
        loop = Task.Run(RunAsync);
    }

    /// <summary>True while writes fail for a storage cause.</summary>
    public bool WritesFailing => faults.Faulted;

    /// <summary>Changes the size cap of the bus file; applied before the next write.</summary>
    public void SetMaxDatabaseBytes(long? bytes) => sizeCap.Set(bytes);

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
        connection?.Dispose();
        connection = null;
    }

    /// <summary>The probe run while writes fail (see <see cref="SqliteProbe"/>), queued like any write.</summary>
    private async ValueTask ProbeAsync(CancellationToken cancellationToken) =>
        await Enqueue(new ProbeWrite()).WaitAsync(cancellationToken);

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
            ProbeWrite? probe = null;
            while (batch.Count < maxRequestsPerCommit && probe is null && queue.Reader.TryRead(out var write))
            {
                if (write is ProbeWrite p)
                {
                    probe = p;
                }
                else
                {
                    batch.Add(write);
                }
            }
            if (batch.Count > 0)
            {
                ApplyBatch(batch);
            }
            if (probe is not null)
            {
                Probe(probe);
            }
        }
    }

    private void ApplyBatch(List<BusWrite> batch)
    {
        // Offsets handed out in this batch become real only if its transaction commits.
        var pending = new Dictionary<(string, int), long>();
        IReadOnlyList<BusPosition>[] results;
        var usable = true;
        try
        {
            var c = Connection();
            results = SqliteWriteTransaction.Run(c, () =>
            {
                var r = new IReadOnlyList<BusPosition>[batch.Count];
                for (var i = 0; i < batch.Count; i++)
                {
                    r[i] = batch[i] switch
                    {
                        ProduceWrite p => Append(c, p, pending),
                        CommitWrite cw => StoreCommit(c, cw),
                        TopicWrite tw => StoreTopic(c, tw),
                        _ => throw new InvalidOperationException("Unknown bus write."),
                    };
                }
                return r;
            }, out usable);
            faults.Succeeded();
        }
        catch (Exception e)
        {
            // Every failure fails this batch's requests, never the loop: later batches are written as usual.
            var failure = faults.Failed(e) ?? (Exception)new IOException($"The embedded bus could not store the write: {e.Message}", e);
            foreach (var write in batch)
            {
                write.Completion.TrySetException(failure);
            }
            return;
        }
        finally
        {
            if (!usable)
            {
                DropConnection();
            }
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

    private void Probe(ProbeWrite probe)
    {
        var usable = true;
        try
        {
            SqliteProbe.Run(Connection(), path, sizeCap.Bytes, clock.GetUtcNow().ToUnixTimeMilliseconds(), out usable);
            faults.Succeeded();
            probe.Completion.TrySetResult([]);
        }
        catch (Exception e)
        {
            probe.Completion.TrySetException(faults.Failed(e) ?? e);
        }
        finally
        {
            if (!usable)
            {
                DropConnection();
            }
        }
    }

    /// <summary>The writer connection, reopened if a failure left none, with the current size cap applied.</summary>
    private SqliteConnection Connection()
    {
        connection ??= open();
        sizeCap.Apply(connection);
        return connection;
    }

    private void DropConnection()
    {
        connection?.Dispose();
        connection = null;
        sizeCap.Reset();
    }

    private BusPosition[] Append(SqliteConnection connection, ProduceWrite write, Dictionary<(string, int), long> pending)
    {
        using var insert = connection.CreateCommand();
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
                offset = NextOffset(connection, key);
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

    private long NextOffset(SqliteConnection connection, (string Topic, int Partition) key)
    {
        if (nextOffsets.TryGetValue(key, out var next))
        {
            return next;
        }
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT COALESCE(MAX(offset) + 1, 0) FROM messages WHERE topic = $t AND partition = $p";
        query.Parameters.AddWithValue("$t", key.Topic);
        query.Parameters.AddWithValue("$p", key.Partition);
        var fromMessages = (long)query.ExecuteScalar()!;
        // Retention may have removed every message of a partition: the offset still never goes back.
        query.CommandText = "SELECT COALESCE(MAX(offset), 0) FROM group_offsets WHERE topic = $t AND partition = $p";
        var fromCommits = (long)query.ExecuteScalar()!;
        return Math.Max(fromMessages, fromCommits);
    }

    private static BusPosition[] StoreCommit(SqliteConnection connection, CommitWrite write)
    {
        using var upsert = connection.CreateCommand();
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

    private static BusPosition[] StoreTopic(SqliteConnection connection, TopicWrite write)
    {
        using var insert = connection.CreateCommand();
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

    private sealed class ProbeWrite : BusWrite;

    private sealed class TopicWrite(string topic, int partitions) : BusWrite
    {
        public string Topic => topic;

        public int Partitions => partitions;
    }
}
