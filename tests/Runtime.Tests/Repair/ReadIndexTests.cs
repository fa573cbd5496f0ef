using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Repair;
using Microsoft.Extensions.Time.Testing;

namespace FeaturePlatform.Runtime.Tests.Repair;

/// <summary>
/// The read index on the embedded store: a late event finds exactly the computations whose recorded reads cover its
/// time, however its entity key is spelled (NUL included), in whichever bucket the read's as-of time fell, after the
/// bucket's first rows expired, and in rows stored by the version before (entity-first layout).
/// </summary>
public sealed class ReadIndexTests : IDisposable
{
    private const long T0 = 1_767_225_600_000;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "read-index-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 86_400_000));

    [Fact]
    public async Task A_late_event_finds_every_read_covering_its_time_in_any_bucket_and_no_other()
    {
        await using var store = Open();
        var index = await IndexAsync(store);
        var random = new Random(7);
        var keys = new[] { "u1", "u2", "u10" };
        // Reads as of times spread over 3 hours and a few far in the future (a source clock ahead), fetches and histories.
        var recorded = new List<(string Key, long Since, long Until, string Trigger)>();
        for (var batch = 0; batch < 40; batch++)
        {
            var triggers = new List<ChangeEvent>();
            var reads = new List<TrackedRead>();
            for (var i = 0; i < 25; i++)
            {
                var id = $"o{batch}-{i}";
                var until = batch == 39 ? T0 + 10 * 86_400_000L + i : T0 + random.NextInt64(0, 3 * 3_600_000);
                var key = keys[random.Next(keys.Length)];
                var since = random.Next(3) == 0 ? until - random.Next(1, 300_000) : long.MinValue;
                triggers.Add(Event("orders", key, until, id));
                reads.Add(new TrackedRead(i, "profiles", key, since, until));
                recorded.Add((key, since, until, id));
            }
            await index.WriteAsync("job", triggers, reads, clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        }
        foreach (var key in keys)
        {
            for (var probe = 0; probe < 30; probe++)
            {
                var t = T0 - 60_000 + random.NextInt64(0, 3 * 3_600_000 + 120_000);
                var expected = recorded.Where(r => r.Key == key && r.Until >= t && r.Since <= t).Select(r => r.Trigger).Order().ToList();
                var found = await FindAsync(index, key, t);
                Assert.Equal(expected, found.Select(r => r.TriggerEventId).Order().ToList());
            }
        }
        // The bucket listing of a batch of events: one listing serves lookups of events at its time or later.
        var buckets = await index.BucketsAsync("profiles", T0);
        Assert.Contains(ReadIndexKeys.Bucket(T0 + 10 * 86_400_000L), buckets);
        // One lookup for several events of an entity (a repair batch): every read covering any of their times, no other.
        foreach (var key in keys)
        {
            var times = Enumerable.Range(0, 4).Select(_ => T0 + random.NextInt64(0, 3 * 3_600_000)).Order().ToList();
            var expected = recorded.Where(r => r.Key == key && times.Any(t => r.Until >= t && r.Since <= t)).Select(r => r.Trigger).Order().ToList();
            var found = new List<string>();
            await foreach (var reader in index.FindReadersAsync("profiles", key, times[0], times[^1], buckets))
            {
                if (times.Any(t => reader.Until >= t && reader.Since <= t))
                {
                    found.Add(reader.TriggerEventId);
                }
            }
            Assert.Equal(expected, found.Order().ToList());
        }
    }

    [Fact]
    public async Task Entity_keys_job_names_and_trigger_ids_with_NUL_bytes_are_told_apart_and_read_back_as_written()
    {
        await using var store = Open();
        var index = await IndexAsync(store);
        string[] keys = ["a", "a\0", "a\0b", "a\0\0", "a\u00ff", "\0"];
        for (var i = 0; i < keys.Length; i++)
        {
            await index.WriteAsync("job\0x", [Event("orders\0", keys[i], T0, $"id\0{i}")], [new TrackedRead(0, "profiles", keys[i], long.MinValue, T0 + i)],
                clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        }
        for (var i = 0; i < keys.Length; i++)
        {
            var found = Assert.Single(await FindAsync(index, keys[i], T0));
            Assert.Equal(("job\0x", "orders\0", $"id\0{i}", T0 + i), (found.Job, found.TriggerSource, found.TriggerEventId, found.Until));
            Assert.True(found.IsFetch);
            Assert.Equal(new SourcePosition("orders\0", 0, T0), found.TriggerPosition);
        }
    }

    [Fact]
    public async Task Reads_recorded_without_their_triggers_position_are_found_without_one()
    {
        await using var store = Open();
        var index = await IndexAsync(store);
        // As the version before wrote this layout: the cell holds the read's earliest time alone.
        var since = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(since, T0 - 500);
        await store.PutAsync(index.Table, [new Put(ReadIndexKeys.Read("profiles", "u1", T0 + 100, "job", "orders", "old"),
            [new Cell("r"u8.ToArray(), "s"u8.ToArray(), clock.GetUtcNow().ToUnixTimeMilliseconds(), since)])]);
        await index.WriteAsync("job", [Event("orders", "u1", T0 + 200, "new") with { Position = new SourcePosition("orders-topic", 3, 41) }],
            [new TrackedRead(0, "profiles", "u1", T0 - 700, T0 + 200)], clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);

        var found = (await FindAsync(index, "u1", T0)).ToDictionary(r => r.TriggerEventId);
        Assert.Equal((T0 - 500, T0 + 100, (SourcePosition?)null), (found["old"].Since, found["old"].Until, found["old"].TriggerPosition));
        Assert.Equal((T0 - 700, T0 + 200, (SourcePosition?)new SourcePosition("orders-topic", 3, 41)), (found["new"].Since, found["new"].Until, found["new"].TriggerPosition));
    }

    [Fact]
    public async Task Reads_written_into_a_bucket_after_its_first_reads_expired_are_still_found()
    {
        await using var store = Open();
        var index = await IndexAsync(store);
        await index.WriteAsync("job", [Event("orders", "u1", T0, "first")], [new TrackedRead(0, "profiles", "u1", long.MinValue, T0)],
            clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        Assert.Equal(["first"], (await FindAsync(index, "u1", T0)).Select(r => r.TriggerEventId));

        // Past the retention: the first read and the bucket's row written with it are gone; a repair re-running an old
        // trigger records a read into the same bucket, which must list the bucket again.
        clock.Advance(TimeSpan.FromDays(8));
        Assert.Empty(await FindAsync(index, "u1", T0));
        await index.WriteAsync("job", [Event("orders", "u1", T0 + 5, "second")], [new TrackedRead(0, "profiles", "u1", long.MinValue, T0 + 5)],
            clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        Assert.Equal(["second"], (await FindAsync(index, "u1", T0)).Select(r => r.TriggerEventId));
    }

    [Fact]
    public async Task Reads_stored_in_the_layout_before_are_found_while_any_is_left()
    {
        await using var store = Open();
        var index = await IndexAsync(store);
        // As the version before wrote them: source␀key␀until(8)␀job␀trigger source␀trigger id, cell = since.
        await store.PutAsync(index.Table, [LegacyRow("profiles", "u1", T0 + 100, "job", "orders", "old1", long.MinValue),
            LegacyRow("profiles", "u1", T0 + 50, "job", "orders", "old2", T0 - 10)]);
        await index.WriteAsync("job", [Event("orders", "u1", T0 + 200, "new")], [new TrackedRead(0, "profiles", "u1", long.MinValue, T0 + 200)],
            clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);

        Assert.Equal(["new", "old1", "old2"], (await FindAsync(index, "u1", T0)).Select(r => r.TriggerEventId).Order());
        var old = (await FindAsync(index, "u1", T0 + 60)).Single(r => r.TriggerEventId == "old1");
        Assert.Equal(("job", "orders", T0 + 100, true), (old.Job, old.TriggerSource, old.Until, old.IsFetch));
        Assert.Equal(["new", "old1"], (await FindAsync(index, "u1", T0 + 60)).Select(r => r.TriggerEventId).Order());

        // Once they expired, the next check finds none left and lookups stop visiting the old layout.
        clock.Advance(TimeSpan.FromDays(8));
        await index.WriteAsync("job", [Event("orders", "u1", T0 + 300, "later")], [new TrackedRead(0, "profiles", "u1", long.MinValue, T0 + 300)],
            clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        Assert.Equal(["later"], (await FindAsync(index, "u1", T0)).Select(r => r.TriggerEventId));
    }

    private EmbeddedWideTableStore Open() => EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory, Clock = clock });

    private async Task<ReadIndex> IndexAsync(IWideTableStore store)
    {
        var index = new ReadIndex(store, new RepairSettings(), clock);
        await index.EnsureTableAsync();
        return index;
    }

    private static async Task<List<RecordedReader>> FindAsync(ReadIndex index, string key, long t)
    {
        var found = new List<RecordedReader>();
        await foreach (var reader in index.FindReadersAsync("profiles", key, t))
        {
            found.Add(reader);
        }
        return found;
    }

    private Put LegacyRow(string source, string key, long until, string job, string triggerSource, string triggerId, long since)
    {
        var time = new byte[8];
        ReadIndexKeys.WriteTime(time, until);
        var value = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, since);
        byte[] row = [.. Encoding.UTF8.GetBytes(source), 0, .. Encoding.UTF8.GetBytes(key), 0, .. time, 0, .. Encoding.UTF8.GetBytes(job), 0,
            .. Encoding.UTF8.GetBytes(triggerSource), 0, .. Encoding.UTF8.GetBytes(triggerId)];
        return new Put(row, [new Cell("r"u8.ToArray(), "s"u8.ToArray(), clock.GetUtcNow().ToUnixTimeMilliseconds(), value)]);
    }

    private static ChangeEvent Event(string source, string key, long time, string id) => new()
    {
        Source = source, EntityKey = key, Operation = EventOperation.Message, EventTime = time, IngestTime = time,
        Position = new SourcePosition(source, 0, time), EventId = id, After = "{}"u8.ToArray(),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
