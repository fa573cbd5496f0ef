using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// Writes across tables in one transaction and guarded writes checked on the writer (<see cref="IMultiTableWrites"/>),
/// and the event tables' use of them: an event's rows in one commit, its identity checked without a read round trip,
/// concurrent writers of one identity never both stored.
/// </summary>
public sealed class EmbeddedMultiTableWritesTests : IDisposable
{
    private readonly string dir = TestPaths.NewServerDirectory("embedded-multi-table");

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
    public async Task Puts_into_several_tables_are_one_commit()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var (a, b) = (new TableName("fp", UniqueName.For("multi-a")), new TableName("fp", UniqueName.For("multi-b")));
        await store.EnsureTableAsync(new TableSpec(a, [new FamilySpec("f")]));
        await store.EnsureTableAsync(new TableSpec(b, [new FamilySpec("f")]));
        var before = store.Commits;

        await store.PutAsync([new TablePuts(a, [Put("r1", "x"), Put("r2", "y")]), new TablePuts(b, [Put("r1", "z")])]);

        Assert.Equal(1, store.Commits - before);
        Assert.Equal("y", Value(await store.GetAsync(a, new Get(Key("r2")))));
        Assert.Equal("z", Value(await store.GetAsync(b, new Get(Key("r1")))));
    }

    [Fact]
    public async Task A_guarded_write_applies_only_while_its_guard_is_absent_and_returns_the_holder_otherwise()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var (guards, data) = (new TableName("fp", UniqueName.For("guards")), new TableName("fp", UniqueName.For("data")));
        await store.EnsureTableAsync(new TableSpec(guards, [new FamilySpec("f")]));
        await store.EnsureTableAsync(new TableSpec(data, [new FamilySpec("f")]));

        var first = await store.PutIfAbsentAsync([new GuardedWrite(guards, Put("id", "first"), [new TablePuts(data, [Put("d1", "one")])])]);
        var second = await store.PutIfAbsentAsync(
        [
            new GuardedWrite(guards, Put("id", "second"), [new TablePuts(data, [Put("d2", "two")])]),
            new GuardedWrite(guards, Put("other", "third"), [new TablePuts(data, [Put("d3", "three")])]),
        ]);

        Assert.Null(first[0]);
        Assert.Equal("first", Encoding.UTF8.GetString(second[0]!));
        Assert.Null(second[1]);
        Assert.Equal("first", Value(await store.GetAsync(guards, new Get(Key("id")))));
        Assert.Null(await store.GetAsync(data, new Get(Key("d2")))); // not written with a held guard
        Assert.Equal("three", Value(await store.GetAsync(data, new Get(Key("d3")))));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_event_id_store_one_event_and_the_others_see_it()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var events = new EventStore(store);
        await events.EnsureTablesAsync();
        var before = store.Commits;

        // Eight writers of the same id with different content (a retry storm, or a clash), all at once.
        var writes = Enumerable.Range(0, 8).Select(i => Task.Run(async () => (await events.WriteAsync([Event("req-1", i)]))[0])).ToList();
        var results = await Task.WhenAll(writes);

        var written = Assert.Single(results, r => r.Outcome == WriteOutcome.Written);
        Assert.All(results.Where(r => r.Outcome != WriteOutcome.Written), r =>
        {
            Assert.Equal(WriteOutcome.Conflict, r.Outcome);
            Assert.Equal(written.Stored.EntityKey, r.Stored.EntityKey); // the holder is the one stored
        });
        var stored = await events.GetByIdAsync("calls.job", "req-1");
        Assert.Equal(written.Stored.EntityKey, stored!.EntityKey);
        Assert.InRange(store.Commits - before, 1, 8); // one commit per write at most: the rows of an event go together
    }

    [Fact]
    public async Task Puts_with_guards_are_one_commit_and_a_held_guard_leaves_out_only_its_own_writes()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var (guards, data) = (new TableName("fp", UniqueName.For("guards")), new TableName("fp", UniqueName.For("data")));
        await store.EnsureTableAsync(new TableSpec(guards, [new FamilySpec("f")]));
        await store.EnsureTableAsync(new TableSpec(data, [new FamilySpec("f")]));
        await store.PutIfAbsentAsync([new GuardedWrite(guards, Put("taken", "holder"), [])]);
        var before = store.Commits;

        var held = await store.PutWithGuardsAsync([new TablePuts(data, [Put("always", "stored")])],
        [
            new GuardedWrite(guards, Put("taken", "mine"), [new TablePuts(data, [Put("d-taken", "no")])]),
            new GuardedWrite(guards, Put("free", "mine"), [new TablePuts(data, [Put("d-free", "yes")])]),
        ]);

        Assert.Equal(1, store.Commits - before);
        Assert.Equal("holder", Encoding.UTF8.GetString(held[0]!));
        Assert.Null(held[1]);
        Assert.Equal("stored", Value(await store.GetAsync(data, new Get(Key("always")))));
        Assert.Equal("holder", Value(await store.GetAsync(guards, new Get(Key("taken")))));
        Assert.Null(await store.GetAsync(data, new Get(Key("d-taken"))));
        Assert.Equal("mine", Value(await store.GetAsync(guards, new Get(Key("free")))));
        Assert.Equal("yes", Value(await store.GetAsync(data, new Get(Key("d-free")))));
    }

    [Fact]
    public async Task A_tiered_store_writes_a_new_event_and_its_hot_guard_in_one_hot_commit_and_never_guards_a_stored_event()
    {
        await using var hot = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(dir, "hot") });
        await using var cold = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(dir, "cold") });
        var events = new TieredEventStore(hot, cold);
        await events.EnsureTablesAsync();
        var claims = new TableName("fp", UniqueName.For("claims"));
        await hot.EnsureTableAsync(new TableSpec(claims, [new FamilySpec("f")]));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var e = Event("req-guarded", 1) with { EventTime = now, IngestTime = now };
        var before = hot.Commits;

        var (first, applied) = await events.WriteWithHotGuardAsync(e, new HotGuard(hot, new GuardedWrite(claims, Put("req-guarded", "first"), [])));

        Assert.Equal((WriteOutcome.Written, true), (first.Outcome, applied));
        Assert.Equal(1, hot.Commits - before); // the event's hot rows and the guard together
        Assert.Equal("first", Value(await hot.GetAsync(claims, new Get(Key("req-guarded")))));
        Assert.Equal(e.EntityKey, (await events.GetByIdAsync("calls.job", "req-guarded"))!.EntityKey);

        // The same event again (a retry): stored already, so its guard is not applied even though the cell is free.
        var (again, appliedAgain) = await events.WriteWithHotGuardAsync(e, new HotGuard(hot, new GuardedWrite(claims, Put("req-again", "second"), [])));
        Assert.Equal((WriteOutcome.Duplicate, false), (again.Outcome, appliedAgain));
        Assert.Null(await hot.GetAsync(claims, new Get(Key("req-again"))));

        // A guard meant for another store is never applied to this one; the event is stored all the same.
        var other = Event("req-other-store", 2) with { EventTime = now, IngestTime = now };
        var (elsewhere, appliedElsewhere) = await events.WriteWithHotGuardAsync(other, new HotGuard(cold, new GuardedWrite(claims, Put("req-other-store", "x"), [])));
        Assert.Equal((WriteOutcome.Written, false), (elsewhere.Outcome, appliedElsewhere));
        Assert.Null(await hot.GetAsync(claims, new Get(Key("req-other-store"))));
        Assert.NotNull(await events.GetByIdAsync("calls.job", "req-other-store"));
    }

    private static ChangeEvent Event(string id, int variant) => new()
    {
        Source = "calls.job",
        EntityKey = "key-" + variant,
        Operation = EventOperation.Message,
        EventTime = 1_767_225_600_000 + variant,
        IngestTime = 1_767_225_600_000,
        Position = new SourcePosition("call", 0, variant),
        EventId = id,
        After = Encoding.UTF8.GetBytes($$"""{"n":{{variant}}}"""),
    };

    private static byte[] Key(string row) => Encoding.UTF8.GetBytes(row);

    private static Put Put(string row, string value) => new(Key(row), [new Cell("f"u8.ToArray(), "q"u8.ToArray(), 1, Encoding.UTF8.GetBytes(value))]);

    private static string? Value(RowResult? row) => row is null ? null : Encoding.UTF8.GetString(row.Cells[0].Value);
}
