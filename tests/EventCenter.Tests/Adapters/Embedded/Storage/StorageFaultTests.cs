using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using FeaturePlatform.EventCenter.Tests.Storage;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// A full disk, reproduced for real: SQLite's <c>max_page_count</c> (the <c>MaxDatabaseBytes</c> cap: SQLITE_FULL at
/// the write that would grow the file) and, where this process may mount, a small tmpfs (ENOSPC when COMMIT appends to
/// the write-ahead log — the case that used to leave the connection unusable until restart).
/// </summary>
public sealed class StorageFaultTests(ITestOutputHelper output) : IDisposable
{
    private const long T0 = 1_600_000_000_000;
    private static readonly TableName Table = new(null, "faults");
    private readonly string dir = TestPaths.NewServerDirectory("storage-faults");
    private readonly CapturingLogger<StorageFaultMonitor> log = new();

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
    public async Task A_store_connection_survives_SQLITE_FULL_and_works_again_when_the_cap_is_raised()
    {
        var monitor = new StorageFaultMonitor(log);
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir, MaxDatabaseBytes = 512 * 1024, FaultMonitor = monitor });
        await store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("f")]));

        var (stored, full) = await FillAsync(store);
        Assert.Equal(StorageFaultReason.DiskFull, full.Reason);
        Assert.Contains("disk full writing " + Path.Combine(dir, "widetables.db"), full.Message, StringComparison.Ordinal);
        // Every later write fails the same clear way (not "nested transactions"), reads go on, the log has it once.
        for (var i = 0; i < 5; i++)
        {
            var again = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await PutAsync(store, "again", i));
            Assert.Equal(StorageFaultReason.DiskFull, again.Reason);
        }
        await monitor.ProbeAsync(CancellationToken.None);
        Assert.True(store.WritesFailing);
        var fault = Assert.Single(monitor.Faults);
        Assert.True(fault.FailedWrites >= 7, $"failed writes counted: {fault.FailedWrites}");
        Assert.Single(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("disk full writing", StringComparison.Ordinal));
        Assert.Equal(stored, await CountAsync(store));

        store.SetMaxDatabaseBytes(null);
        await monitor.ProbeAsync(CancellationToken.None);
        Assert.Empty(monitor.Faults);
        Assert.False(store.WritesFailing);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("succeed again", StringComparison.Ordinal));
        await PutAsync(store, "after", 0);
        Assert.Equal(stored + 1, await CountAsync(store));
    }

    [Fact]
    public async Task The_bus_writer_survives_SQLITE_FULL_and_keeps_offsets_dense_when_the_cap_is_raised()
    {
        var monitor = new StorageFaultMonitor(log);
        await using var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = dir, MaxDatabaseBytes = 256 * 1024, FaultMonitor = monitor });
        await bus.CreateTopicAsync("t", 1);
        await using var producer = bus.CreateProducer();
        var acknowledged = new List<long>();
        StorageUnavailableException? full = null;
        for (var i = 0; i < 1000 && full is null; i++)
        {
            try
            {
                acknowledged.AddRange((await producer.ProduceAsync("t", [new OutgoingMessage(null, new byte[8000])])).Select(p => p.Offset));
            }
            catch (StorageUnavailableException e)
            {
                full = e;
            }
        }
        Assert.NotNull(full);
        Assert.Contains("disk full writing " + Path.Combine(dir, "bus.db"), full.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await producer.ProduceAsync("t", [new OutgoingMessage(null, new byte[8000])]));
        Assert.True(bus.WritesFailing);

        bus.SetMaxDatabaseBytes(null);
        await monitor.ProbeAsync(CancellationToken.None);
        Assert.False(bus.WritesFailing);
        var next = await producer.ProduceAsync("t", [new OutgoingMessage(null, new byte[8000])]);
        Assert.Equal(acknowledged.Count, next[0].Offset);
        Assert.Equal(Enumerable.Range(0, acknowledged.Count).Select(i => (long)i), acknowledged);
    }

    [Fact]
    public async Task On_a_real_full_disk_store_and_bus_connections_survive_and_work_again_when_space_returns()
    {
        using var disk = TmpfsDisk.TryMount(8L * 1024 * 1024, out var why);
        if (disk is null)
        {
            output.WriteLine($"No tmpfs here ({why}); the max_page_count tests above cover the rest.");
            return;
        }
        var monitor = new StorageFaultMonitor(log);
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(disk.Path, "store"), FaultMonitor = monitor });
        await store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("f")]));
        await using var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(disk.Path, "bus"), FaultMonitor = monitor });
        await bus.CreateTopicAsync("t", 1);
        await using var producer = bus.CreateProducer();

        var (stored, full) = await FillAsync(store);
        output.WriteLine($"store full after {stored} puts: {full.Message}");
        Assert.Equal(StorageFaultReason.DiskFull, full.Reason);
        var busFull = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await producer.ProduceAsync("t", [new OutgoingMessage(null, new byte[256 * 1024])]));
        output.WriteLine($"bus: {busFull.Message}");
        // On a real disk a later, smaller write may still fit (a checkpoint may move space around); what must never
        // happen is any other error ("no transaction is active", "nested transactions"): each write either commits or
        // fails as "disk full", and the connection stays usable.
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await PutAsync(store, "again", i);
                stored++;
            }
            catch (StorageUnavailableException e)
            {
                Assert.Equal(StorageFaultReason.DiskFull, e.Reason);
            }
        }

        disk.Resize(64L * 1024 * 1024);
        await monitor.ProbeAsync(CancellationToken.None);
        Assert.Empty(monitor.Faults);
        await PutAsync(store, "after", 0);
        Assert.Equal(stored + 1, await CountAsync(store));
        var position = await producer.ProduceAsync("t", [new OutgoingMessage(null, new byte[1000])]);
        Assert.Equal(0, position[0].Offset);
    }

    private static async Task<(int Stored, StorageUnavailableException Full)> FillAsync(EmbeddedWideTableStore store)
    {
        for (var i = 0; i < 10_000; i++)
        {
            try
            {
                await PutAsync(store, "fill", i);
            }
            catch (StorageUnavailableException e)
            {
                return (i, e);
            }
        }
        throw new InvalidOperationException("The store never filled up.");
    }

    private static ValueTask PutAsync(EmbeddedWideTableStore store, string prefix, int i) =>
        store.PutAsync(Table, [new Put(Encoding.UTF8.GetBytes($"{prefix}-{i:D5}"), [new Cell("f"u8.ToArray(), "q"u8.ToArray(), T0, new byte[16 * 1024])])]);

    private static async Task<int> CountAsync(EmbeddedWideTableStore store)
    {
        var rows = 0;
        await foreach (var _ in store.ScanAsync(Table, new Scan()))
        {
            rows++;
        }
        return rows;
    }
}
