using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>
/// Group commit of the embedded store: writes queued while a transaction runs share the next one, each is acknowledged
/// only once committed (readable after reopening), and one failing write of a group fails alone.
/// </summary>
public sealed class EmbeddedGroupCommitTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string dir = TestPaths.NewServerDirectory("embedded-group-commit");

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
    public async Task Writes_queued_behind_a_transaction_share_one_commit_and_are_durable_when_acknowledged()
    {
        var t = new TableName("fp", UniqueName.For("group"));
        var puts = new List<Task>();
        long commitsOfQueued;
        await using (var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir }))
        {
            await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));
            using var gate = new Blocker();
            var blocking = store.WriteAsync(_ => gate.Hold(), null, CancellationToken.None).AsTask();
            await gate.HeldAsync();
            var before = store.Commits;
            for (var i = 0; i < 50; i++)
            {
                puts.Add(store.PutAsync(t, [Put(i)]).AsTask());
            }
            Assert.All(puts, p => Assert.False(p.IsCompleted)); // none acknowledged before its commit
            gate.Release();
            await blocking;
            await Task.WhenAll(puts);
            commitsOfQueued = store.Commits - before;
        }
        // The blocking write's own commit plus one for the 50 queued behind it (one per write without group commit).
        Assert.InRange(commitsOfQueued, 1, 2);

        await using var reopened = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        var rows = await reopened.GetManyAsync(t, [.. Enumerable.Range(0, 50).Select(i => new Get(Key(i)))]);
        Assert.All(rows, r => Assert.NotNull(r));
    }

    [Fact]
    public async Task A_failing_write_of_a_group_fails_alone()
    {
        var t = new TableName("fp", UniqueName.For("group-fail"));
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = dir });
        await store.EnsureTableAsync(new TableSpec(t, [new FamilySpec("f")]));
        using var gate = new Blocker();
        var blocking = store.WriteAsync(_ => gate.Hold(), null, CancellationToken.None).AsTask();
        await gate.HeldAsync();
        var first = Enumerable.Range(0, 5).Select(i => store.PutAsync(t, [Put(i)]).AsTask()).ToList();
        var failing = store.WriteAsync<bool>(w =>
        {
            // Writes a row, then fails: the row must not stay, and the group's other writes must.
            using var command = w.Connection.CreateCommand();
            command.CommandText = "CREATE TABLE group_commit_probe (x INTEGER)";
            command.ExecuteNonQuery();
            throw new InvalidOperationException("this write fails");
        }, t, CancellationToken.None).AsTask();
        var after = Enumerable.Range(5, 5).Select(i => store.PutAsync(t, [Put(i)]).AsTask()).ToList();
        gate.Release();
        await blocking;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("this write fails", error.Message);
        await Task.WhenAll(first.Concat(after));
        var rows = await store.GetManyAsync(t, [.. Enumerable.Range(0, 10).Select(i => new Get(Key(i)))]);
        Assert.All(rows, r => Assert.NotNull(r));
        // The failing write's own change was rolled back: its table can be created again.
        Assert.True(await store.WriteAsync(w =>
        {
            using var command = w.Connection.CreateCommand();
            command.CommandText = "CREATE TABLE group_commit_probe (x INTEGER); DROP TABLE group_commit_probe;";
            command.ExecuteNonQuery();
            return true;
        }, t, CancellationToken.None));
    }

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"row-{i:D3}");

    private static Put Put(int i) => new(Key(i), [new Cell("f"u8.ToArray(), "q"u8.ToArray(), 1, Encoding.UTF8.GetBytes($"v{i}"))]);

    /// <summary>A write that holds the writer until released, so the writes after it queue up.</summary>
    private sealed class Blocker : IDisposable
    {
        private readonly ManualResetEventSlim held = new();
        private readonly ManualResetEventSlim released = new();

        public bool Hold()
        {
            held.Set();
            return released.Wait(Deadline) ? true : throw new TimeoutException("the test never released the writer");
        }

        public async Task HeldAsync()
        {
            var until = DateTime.UtcNow + Deadline;
            while (!held.IsSet)
            {
                Assert.True(DateTime.UtcNow < until, "the blocking write did not start");
                await Task.Yield();
            }
        }

        public void Release() => released.Set();

        public void Dispose()
        {
            released.Set();
            held.Dispose();
            released.Dispose();
        }
    }
}
