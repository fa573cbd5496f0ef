using System.Diagnostics;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// The event store on the embedded backend and the baseline: a bare single SQLite table (same engine, same
/// pragmas: WAL, synchronous=NORMAL, same page cache) holding each event's encoded bytes once under its main key.
/// </summary>
internal sealed class EventBenchStores : IAsyncDisposable
{
    public const int BatchSize = 1000;

    private readonly string _root;
    private bool _storeClosed;

    private EventBenchStores(string root, EmbeddedWideTableStore store, SqliteConnection bare)
    {
        _root = root;
        Store = store;
        Events = new EventStore(store);
        Bare = bare;
    }

    public EmbeddedWideTableStore Store { get; }

    public EventStore Events { get; }

    public SqliteConnection Bare { get; }

    public EventKeys Keys { get; } = new(new EventTableOptions().SaltBuckets);

    public static async Task<EventBenchStores> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "fp-bench-events-" + Guid.NewGuid().ToString("N")[..8]);
        var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(root, "store") });
        var bareOptions = new EmbeddedStoreOptions { Directory = Path.Combine(root, "bare") };
        Directory.CreateDirectory(bareOptions.Directory);
        var bare = SqliteConnections.Open(bareOptions, writer: true);
        SqliteConnections.Execute(bare, "CREATE TABLE events(k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
        var stores = new EventBenchStores(root, store, bare);
        await stores.Events.EnsureTablesAsync();
        return stores;
    }

    /// <summary>Ingests <paramref name="total"/> events with all indexes; returns events per second.</summary>
    public async Task<double> IngestAsync(int total, Action<string> log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        for (long start = 0; start < total; start += BatchSize)
        {
            var batch = SyntheticEvents.Batch(start, (int)Math.Min(BatchSize, total - start), total);
            await Events.WriteAsync(batch, cancellationToken);
            if ((start / BatchSize) % 200 == 199)
            {
                log($"event store: {start + BatchSize:#,0} events, {(start + BatchSize) / watch.Elapsed.TotalSeconds:#,0}/s");
            }
        }
        return total / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Inserts every event's encoded bytes once into the bare table, same batch size; returns events per second.</summary>
    public double IngestBare(int total, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        for (long start = 0; start < total; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = SyntheticEvents.Batch(start, (int)Math.Min(BatchSize, total - start), total);
            using var transaction = Bare.BeginTransaction();
            using var command = Bare.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR REPLACE INTO events(k, v) VALUES ($k, $v)";
            var k = command.Parameters.Add("$k", SqliteType.Blob);
            var v = command.Parameters.Add("$v", SqliteType.Blob);
            command.Prepare();
            foreach (var e in batch)
            {
                k.Value = Keys.MainKey(e);
                v.Value = EventCodec.Encode(e);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        return total / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Closes the event store (its last connection checkpoints the write-ahead log into the database) and returns
    /// the bytes of its files; the store is unusable afterwards.
    /// </summary>
    public async Task<long> CloseStoreAndMeasureAsync()
    {
        await CloseStoreAsync();
        return new DirectoryInfo(Path.Combine(_root, "store")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }

    public async ValueTask DisposeAsync()
    {
        Bare.Dispose();
        await CloseStoreAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder.
        }
    }

    private async Task CloseStoreAsync()
    {
        if (!_storeClosed)
        {
            _storeClosed = true;
            await Store.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }
}
