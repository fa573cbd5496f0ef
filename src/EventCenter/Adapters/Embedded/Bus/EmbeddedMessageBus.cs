using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Bus;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>
/// The embedded default bus: a durable partitioned log with consumer groups in one SQLite file (WAL), so the
/// platform runs on one machine with no servers and the same at-least-once semantics as Kafka. One process owns
/// the file; scaling out across processes uses Kafka.
/// </summary>
public sealed class EmbeddedMessageBus : IMessageBus
{
    private readonly EmbeddedBusOptions options;
    private readonly string path;
    private readonly AsyncSignal committed = new();
    private readonly ConcurrentDictionary<string, ConsumerGroup> groups = new();
    private readonly ConcurrentDictionary<string, int> partitionCounts = new();
    private readonly Partitioner partitioner = new();
    private readonly TimeProvider clock;
    private readonly WalCheckpointer checkpointer;

    /// <summary>Opens (or creates) the bus in <see cref="EmbeddedBusOptions.Directory"/>.</summary>
    public EmbeddedMessageBus(EmbeddedBusOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.clock = clock ?? TimeProvider.System;
        System.IO.Directory.CreateDirectory(options.Directory);
        path = Path.Combine(options.Directory, "bus.db");
        var writerConnection = BusDatabase.Open(path, options.SyncEveryCommit, options.MaxWalBytes);
        BusDatabase.CreateSchema(writerConnection);
        checkpointer = new WalCheckpointer(BusDatabase.Open(path, options.SyncEveryCommit), "bus", path, options.MaxWalBytes);
        using (var command = writerConnection.CreateCommand())
        {
            command.CommandText = "SELECT name, partitions FROM topics";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                partitionCounts[reader.GetString(0)] = reader.GetInt32(1);
            }
        }
        Writer = new BusWriter(writerConnection, () => BusDatabase.Open(path, options.SyncEveryCommit, options.MaxWalBytes), path, options, this.clock, committed.Pulse);
    }

    internal BusWriter Writer { get; }

    internal WalCheckpointer Checkpointer => checkpointer;

    /// <summary>
    /// Changes the size cap of <c>bus.db</c> (<see cref="EmbeddedBusOptions.MaxDatabaseBytes"/>) without a restart; null
    /// removes it. Takes effect at the next write.
    /// </summary>
    public void SetMaxDatabaseBytes(long? bytes) => Writer.SetMaxDatabaseBytes(bytes);

    /// <summary>True while writes to the bus fail for a storage cause.</summary>
    public bool WritesFailing => Writer.WritesFailing;

    internal Task Committed => committed.Current;

    internal EmbeddedBusOptions Options => options;

    /// <inheritdoc />
    public async ValueTask CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default)
    {
        ValidateTopic(topic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        await Writer.CreateTopicAsync(topic, partitions).WaitAsync(cancellationToken);
        using var query = BusDatabase.Open(path, options.SyncEveryCommit);
        partitionCounts[topic] = ReadPartitionCount(query, topic) ?? partitions;
    }

    /// <inheritdoc />
    public ValueTask<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(partitionCounts.TryGetValue(topic, out var n) ? n : (int?)null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>?> GetEndOffsetsAsync(string topic, CancellationToken cancellationToken = default)
    {
        if (!partitionCounts.TryGetValue(topic, out var count))
        {
            return ValueTask.FromResult<IReadOnlyList<long>?>(null);
        }
        var ends = new long[count];
        using var connection = BusDatabase.Open(path, options.SyncEveryCommit);
        using var query = connection.CreateCommand();
        // Retention may have removed a partition's messages: committed positions still say how far it went.
        query.CommandText = """
            SELECT partition, MAX(next) FROM (
                SELECT partition, MAX(offset) + 1 AS next FROM messages WHERE topic = $t GROUP BY partition
                UNION ALL SELECT partition, MAX(offset) FROM group_offsets WHERE topic = $t GROUP BY partition)
            GROUP BY partition
            """;
        query.Parameters.AddWithValue("$t", topic);
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            var partition = reader.GetInt32(0);
            if (partition >= 0 && partition < count)
            {
                ends[partition] = reader.GetInt64(1);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<long>?>(ends);
    }

    /// <inheritdoc />
    public IBusProducer CreateProducer() => new EmbeddedBusProducer(this);

    /// <inheritdoc />
    public IBusConsumer CreateConsumer(string groupId, IReadOnlyList<string> topics)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        var memberPartitions = new List<(string, int)>();
        foreach (var topic in topics)
        {
            if (!partitionCounts.TryGetValue(topic, out var count))
            {
                throw new ArgumentException($"Topic '{topic}' does not exist on the embedded bus; create it first.", nameof(topics));
            }
            memberPartitions.AddRange(Enumerable.Range(0, count).Select(p => (topic, p)));
        }
        var group = groups.GetOrAdd(groupId, id => new ConsumerGroup(id));
        var consumer = new EmbeddedBusConsumer(this, group, BusDatabase.Open(path, options.SyncEveryCommit));
        group.Join(consumer, memberPartitions);
        return consumer;
    }

    /// <summary>Removes messages older than <see cref="EmbeddedBusOptions.Retention"/>; returns how many.</summary>
    public async ValueTask<long> ApplyRetentionAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.Retention.TotalMilliseconds;
        using var connection = BusDatabase.Open(path, options.SyncEveryCommit);
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM messages WHERE ts < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", cutoff);
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        checkpointer.Dispose();
    }

    internal int PartitionCount(string topic) =>
        partitionCounts.TryGetValue(topic, out var n)
            ? n
            : throw new ArgumentException($"Topic '{topic}' does not exist on the embedded bus; create it first.", nameof(topic));

    internal int ChoosePartition(byte[]? key, int partitions) => partitioner.Choose(key, partitions);

    internal long NowMs() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    internal long ReadCommitted(SqliteConnection connection, string group, string topic, int partition)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT offset FROM group_offsets WHERE grp = $g AND topic = $t AND partition = $p";
        query.Parameters.AddWithValue("$g", group);
        query.Parameters.AddWithValue("$t", topic);
        query.Parameters.AddWithValue("$p", partition);
        return query.ExecuteScalar() is long offset ? offset : 0;
    }

    private static void ValidateTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (topic.Length > 249 || !topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"Invalid topic name '{topic}': use up to 249 of [A-Za-z0-9._-] (Kafka's rule).", nameof(topic));
        }
    }

    private static int? ReadPartitionCount(SqliteConnection connection, string topic)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT partitions FROM topics WHERE name = $n";
        query.Parameters.AddWithValue("$n", topic);
        return query.ExecuteScalar() is long n ? (int)n : null;
    }
}
