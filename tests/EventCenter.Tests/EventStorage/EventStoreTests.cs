using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Tests.Adapters.HBase;
namespace FeaturePlatform.EventCenter.Tests.EventStorage;

/// <summary>The event tables over one store, checked against the reference model. One subclass per backend.</summary>
public abstract class EventStoreTests<TFactory>(TFactory factory) where TFactory : IWideTableStoreFactory
{
    private const long T0 = 1_600_000_000_000;
    private readonly TFactory _factory = factory;

    private async Task<(IWideTableStore Store, EventStore Events)> NewAsync(int saltBuckets = 16)
    {
        var store = await _factory.CreateAsync();
        var events = new EventStore(store, new EventTableOptions { TablePrefix = UniqueName.For("ev"), SaltBuckets = saltBuckets, ScanPageSize = 7 });
        await events.EnsureTablesAsync();
        return (store, events);
    }

    [Fact]
    public async Task Randomized_reads_match_the_reference_model()
    {
        for (var seed = 0; seed < _factory.RandomizedSeeds; seed++)
        {
            var (store, events) = await NewAsync(saltBuckets: 1 + (seed % 8));
            await using (store)
            {
                await RandomizedCheck.RunAsync(seed, events, T0, slotMs: 1000);
            }
        }
    }

    [Fact]
    public async Task As_of_breaks_same_time_ties_by_position_and_a_delete_makes_the_entity_absent()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var later = Event("k", T0, partition: 0, offset: 9, EventOperation.Update, "{\"v\":2}");
        var earlier = Event("k", T0, partition: 0, offset: 3, EventOperation.Insert, "{\"v\":1}");
        var delete = Event("k", T0 + 10, partition: 1, offset: 0, EventOperation.Delete, null);
        await events.WriteAsync([later, delete, earlier]);

        Assert.Null(await events.GetStateAsync("src", "k", T0 - 1));
        Assert.Equal(later, await events.GetStateAsync("src", "k", T0));
        Assert.Equal(later, await events.GetStateAsync("src", "k", T0 + 9));
        Assert.Null(await events.GetStateAsync("src", "k", T0 + 10));
        Assert.Equal(delete, await events.GetLatestEventAsync("src", "k", T0 + 10));
        Assert.Equal([earlier, later, delete], await RandomizedCheck.ToListAsync(events.GetHistoryAsync("src", "k", 0, long.MaxValue)));
    }

    [Fact]
    public async Task Writes_are_idempotent_by_event_id_and_conflicting_ids_are_ignored()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var e = Event("k", T0, 0, 1, EventOperation.Insert, "{\"v\":1}") with { EventId = "req-1" };
        var sameIdOtherEntity = Event("other", T0 + 5, 0, 2, EventOperation.Insert, "{\"v\":2}") with { EventId = "req-1" };

        Assert.Equal([WriteOutcome.Written, WriteOutcome.Duplicate], Outcomes(await events.WriteAsync([e, e])));
        Assert.Equal([WriteOutcome.Duplicate, WriteOutcome.Conflict], Outcomes(await events.WriteAsync([e with { IngestTime = 99 }, sameIdOtherEntity])));

        Assert.Equal([e], await RandomizedCheck.ToListAsync(events.ReplayAsync("src", 0, long.MaxValue)));
        Assert.Equal(e, await events.GetByIdAsync("src", "req-1"));
        Assert.Null(await events.GetLatestEventAsync("src", "other", long.MaxValue));
    }

    [Fact]
    public async Task A_resend_at_a_new_position_is_a_duplicate_and_a_different_change_under_the_same_id_a_conflict_naming_the_stored_one()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var first = Event("k", T0, 0, 1, EventOperation.Update, "{\"m\":5}") with { EventId = "binlog.1:100:0" };
        var resent = first with { Position = new SourcePosition("topic", 3, 77), IngestTime = T0 + 50, After = "{ \"m\" : 5 }"u8.ToArray() };
        var flipped = first with { Position = new SourcePosition("topic", 0, 2), After = "{\"m\":6}"u8.ToArray() };

        Assert.Equal([WriteOutcome.Written], Outcomes(await events.WriteAsync([first])));
        var results = await events.WriteAsync([resent, flipped]);
        Assert.Equal([WriteOutcome.Duplicate, WriteOutcome.Conflict], Outcomes(results));
        Assert.Equal(first, results[0].Stored);
        Assert.Equal(first, results[1].Stored);
        Assert.Equal([first], await RandomizedCheck.ToListAsync(events.GetHistoryAsync("src", "k", 0, long.MaxValue)));

        // Inside one batch the first of an identity holds it: the second copy is judged against it.
        var a = Event("j", T0, 0, 5, EventOperation.Insert, "{\"m\":1}") with { EventId = "x" };
        var again = a with { Position = new SourcePosition("topic", 0, 9) };
        var other = a with { Operation = EventOperation.Delete, After = null, Before = a.After };
        var batch = await events.WriteAsync([a, again, other]);
        Assert.Equal([WriteOutcome.Written, WriteOutcome.Duplicate, WriteOutcome.Conflict], Outcomes(batch));
        Assert.All(batch, r => Assert.Equal(a, r.Stored));
    }

    [Fact]
    public async Task Replay_streams_a_large_range_in_time_order_across_salts()
    {
        var (store, events) = await NewAsync();
        await using var _ = store;
        var random = new Random(7);
        var all = Enumerable.Range(0, 500)
            .Select(i => Event("k" + random.Next(60), T0 + random.Next(100), i % 4, i, EventOperation.Update, "{}"))
            .ToList();
        await events.WriteAsync(all);

        var replayed = await RandomizedCheck.ToListAsync(events.ReplayAsync("src", T0 + 10, T0 + 90));

        var expected = all.Where(e => e.EventTime is >= T0 + 10 and < T0 + 90)
            .OrderBy(e => e.EventTime).ThenBy(e => e.Position.Partition).ThenBy(e => e.Position.Offset).ToList();
        Assert.Equal(expected, replayed);
    }

    [Fact]
    public async Task Keys_with_zero_bytes_and_unicode_do_not_collide_with_their_prefixes()
    {
        var (store, events) = await NewAsync(saltBuckets: 1);
        await using var _ = store;
        var a = Event("a", T0, 0, 1, EventOperation.Insert, "{\"k\":\"a\"}");
        var aZero = Event("a\0", T0, 0, 2, EventOperation.Insert, "{\"k\":\"a0\"}");
        var ab = Event("ab", T0, 0, 3, EventOperation.Insert, "{\"k\":\"ab\"}");
        var unicode = Event("ключ-€", T0, 0, 4, EventOperation.Insert, "{\"k\":\"u\"}");
        await events.WriteAsync([a, aZero, ab, unicode]);

        Assert.Equal(a, await events.GetStateAsync("src", "a", T0));
        Assert.Equal(aZero, await events.GetStateAsync("src", "a\0", T0));
        Assert.Equal(ab, await events.GetStateAsync("src", "ab", T0));
        Assert.Equal(unicode, await events.GetStateAsync("src", "ключ-€", T0));
        Assert.Equal([a], await RandomizedCheck.ToListAsync(events.GetHistoryAsync("src", "a", 0, long.MaxValue)));
    }

    private static IEnumerable<WriteOutcome> Outcomes(IReadOnlyList<WriteResult> results) => results.Select(r => r.Outcome);

    internal static ChangeEvent Event(string entity, long time, int partition, long offset, EventOperation op, string? after, string source = "src")
    {
        var position = new SourcePosition("topic", partition, offset);
        return new ChangeEvent
        {
            Source = source, EntityKey = entity, Operation = op, EventTime = time, IngestTime = time + 1,
            Position = position, EventId = EventIds.FromPosition(position), After = after is null ? null : Encoding.UTF8.GetBytes(after),
        };
    }
}

public sealed class InMemoryEventStoreTests() : EventStoreTests<InMemoryStoreFactory>(new());

public sealed class EmbeddedEventStoreTests() : EventStoreTests<EmbeddedStoreFactory>(new());

[Collection(HBaseCollection.Name)]
public sealed class HBaseEventStoreTests(HBaseThriftFixture fixture) : EventStoreTests<HBaseStoreFactory>(new(fixture));
