using System.Text;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// The write-ahead log stays bounded: a reader that holds a snapshot keeps SQLite from restarting the log, so writes
/// grow it far past the limit; once the reader lets go the background checkpointer brings the file back under
/// <see cref="EmbeddedStoreOptions.MaxWalBytes"/>. Without the policy (a limit too high to matter) it stays large.
/// </summary>
public sealed class WalLimitTests(ITestOutputHelper output) : IDisposable
{
    private const long Limit = 1024 * 1024;
    private static readonly TableName Table = new(null, "wal");
    private readonly string dir = TestPaths.NewServerDirectory("wal-limit");

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Kept for inspection.
        }
    }

    [Fact]
    public async Task The_log_returns_under_MaxWalBytes_after_writing_far_past_it()
    {
        var (peak, after) = await WriteWithPinnedReaderAsync(Path.Combine(dir, "bounded"), Limit, settle: wal => wal <= Limit);
        output.WriteLine($"MaxWalBytes {Limit}: WAL peaked at {peak} bytes, {after} bytes after the checkpointer ran");
        Assert.True(peak > 4 * Limit, $"the test should grow the log well past the limit (peak {peak})");
        Assert.True(after <= Limit, $"the log is {after} bytes, over the {Limit}-byte limit");
    }

    [Fact]
    public async Task Without_a_limit_that_matters_the_log_keeps_its_size()
    {
        long checkpointsAtStart = 0;
        var (peak, after) = await WriteWithPinnedReaderAsync(Path.Combine(dir, "unbounded"), 1L << 30, settle: null, onReleased: store => checkpointsAtStart = store.Checkpointer.Checkpoints,
            waitUntil: store => store.Checkpointer.Checkpoints >= checkpointsAtStart + 3);
        output.WriteLine($"MaxWalBytes 1 GiB: WAL peaked at {peak} bytes, {after} bytes after three more checkpoints");
        Assert.True(after > 4 * Limit, $"passive checkpoints alone shrank the log to {after} bytes");
    }

    private static async Task<(long Peak, long After)> WriteWithPinnedReaderAsync(
        string directory, long maxWalBytes, Func<long, bool>? settle, Action<EmbeddedWideTableStore>? onReleased = null, Func<EmbeddedWideTableStore, bool>? waitUntil = null)
    {
        var options = new EmbeddedStoreOptions { Directory = directory, MaxWalBytes = maxWalBytes };
        await using var store = EmbeddedWideTableStore.Open(options);
        await store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("f")]));
        var wal = options.DatabasePath + "-wal";
        using (var reader = new SqliteConnection($"Data Source={options.DatabasePath};Mode=ReadOnly;Pooling=False"))
        {
            reader.Open();
            using var snapshot = reader.BeginTransaction(deferred: true);
            using (var pin = reader.CreateCommand())
            {
                pin.Transaction = snapshot;
                pin.CommandText = "SELECT count(*) FROM _widetables";
                pin.ExecuteScalar();
            }
            for (var batch = 0; batch < 16; batch++)
            {
                await store.PutAsync(Table, [.. Enumerable.Range(0, 32).Select(i => new Put(Encoding.UTF8.GetBytes($"r{batch:D2}-{i:D2}"), [new Cell("f"u8.ToArray(), "q"u8.ToArray(), 1, new byte[16 * 1024])]))]);
            }
        }
        var peak = new FileInfo(wal).Length;
        onReleased?.Invoke(store);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if ((settle is not null && settle(new FileInfo(wal).Length)) || (waitUntil is not null && waitUntil(store)))
            {
                break;
            }
            await Task.Delay(WalCheckpointer.Interval);
        }
        return (peak, new FileInfo(wal).Length);
    }
}
