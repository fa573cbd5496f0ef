using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Workers;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// Calls sent to a worker process together (one run, as <see cref="WorkerCalls"/> groups them under load) are answered one
/// by one as each finishes: a call waiting in a slow fetch never holds back the answers of the fast calls sent with it.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerCallGroupTests(PythonHostFixture python)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string Fetching = """
        from featureplatform import Output, job

        @job("fetching_in_worker", triggers="orders", outputs=[Output("key", str, "The request's key.")])
        def fetching_in_worker(event, ctx):
            ctx.fetch("profiles", event.key)
            return {"key": event.key}
        """;

    [Fact]
    public async Task Fast_calls_grouped_with_calls_waiting_in_a_fetch_are_answered_before_the_slow_ones()
    {
        using var gate = new ManualResetEventSlim();
        var source = new GatedSource(gate);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, source, ("fetching_in_worker", Fetching));
        var job = jobs.Find("fetching_in_worker")!;
        await using var worker = await StartWorkerAsync("group-test");

        var random = new Random();
        var keys = Enumerable.Range(0, 12).Select(i => i % 4 == 0 ? $"slow-{i}" : $"fast-{i}").OrderBy(_ => random.Next()).ToList();
        var group = new RecordingGroup(keys.Count);
        worker.SendCalls(job, source, [.. keys.Select((k, i) => new FeatureEvent("orders", k, 1_700_000_000_000 + i, "{}"))], group);

        var fast = keys.Select((k, i) => (k, i)).Where(x => x.k.StartsWith("fast", StringComparison.Ordinal)).Select(x => x.i).ToList();
        await Task.WhenAll(fast.Select(i => group.Outcome(i))).WaitAsync(Wait);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(source.Waiting == 3), "the slow calls wait in their fetches", Wait);
        Assert.All(keys.Select((k, i) => (k, i)).Where(x => x.k.StartsWith("slow", StringComparison.Ordinal)), x => Assert.False(group.Outcome(x.i).IsCompleted));

        gate.Set();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, keys.Count).Select(group.Outcome)).WaitAsync(Wait);
        Assert.All(outcomes, (o, i) =>
        {
            Assert.True(o.Succeeded, o.Error?.Message);
            Assert.Equal(keys[i], Assert.Single(o.Rows).Values[0]);
        });
    }

    [Fact]
    public async Task A_lone_call_goes_at_once_and_calls_arriving_while_groups_are_out_go_together()
    {
        using var gate = new ManualResetEventSlim(initialState: true);
        var source = new GatedSource(gate);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, source, ("fetching_in_worker", Fetching));
        var job = jobs.Find("fetching_in_worker")!;
        await using var worker = await StartWorkerAsync("burst-test");

        var lone = await worker.RunAsync(job, [Event("fast-lone", 0)], source, each: true, null, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal("fast-lone", Assert.Single(Assert.Single(lone).Rows).Values[0]);
        Assert.Equal((1L, 1L), (worker.CallRunsSent, worker.CallsSent));

        // 300 calls at once: sent one message each, the worker would get 300 runs; grouped, the calls queued while two
        // groups are out go together.
        var keys = Enumerable.Range(1, 300).Select(i => $"fast-{i}").ToList();
        var outcomes = await Task.WhenAll(keys.Select((k, i) => worker.RunAsync(job, [Event(k, i)], source, each: true, null, CancellationToken.None))).WaitAsync(Wait);

        Assert.All(outcomes, (o, i) => Assert.Equal(keys[i], Assert.Single(Assert.Single(o).Rows).Values[0]));
        Assert.Equal(301L, worker.CallsSent);
        Assert.True(worker.CallRunsSent - 1 <= keys.Count / 10, $"300 calls went in {worker.CallRunsSent - 1} run messages");
    }

    [Fact]
    public async Task Calls_behind_groups_waiting_in_fetches_are_sent_and_answered()
    {
        using var gate = new ManualResetEventSlim();
        var source = new GatedSource(gate);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, source, ("fetching_in_worker", Fetching));
        var job = jobs.Find("fetching_in_worker")!;
        await using var worker = await StartWorkerAsync("behind-test");

        // More slow calls than groups may be out before they show progress: their reads are that progress.
        var slow = Enumerable.Range(0, WorkerCalls.MaxUnstarted + 1)
            .Select(i => worker.RunAsync(job, [Event($"slow-{i}", i)], source, each: true, null, CancellationToken.None)).ToList();
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(source.Waiting == slow.Count), "the slow calls wait in their fetches", Wait);

        var fast = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => worker.RunAsync(job, [Event($"fast-{i}", i)], source, each: true, null, CancellationToken.None)))
            .WaitAsync(Wait);
        Assert.All(fast, o => Assert.True(Assert.Single(o).Succeeded));
        Assert.All(slow, t => Assert.False(t.IsCompleted));

        gate.Set();
        Assert.All(await Task.WhenAll(slow).WaitAsync(Wait), o => Assert.True(Assert.Single(o).Succeeded));
    }

    private static Task<WorkerConnection> StartWorkerAsync(string name) =>
        WorkerConnection.StartAsync(name, new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, MemoryLimitMb = 0 }, new PythonHostOptions(), NullLogger.Instance,
            CancellationToken.None);

    private static FeatureEvent Event(string key, int i) => new("orders", key, 1_700_000_000_000 + i, "{}");

    /// <summary>Takes each call's outcome as the worker sends it.</summary>
    private sealed class RecordingGroup(int count) : ICallGroup
    {
        private readonly TaskCompletionSource<EventOutcome>[] outcomes =
            [.. Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<EventOutcome>(TaskCreationOptions.RunContinuationsAsynchronously))];

        public Task<EventOutcome> Outcome(int index) => outcomes[index].Task;

        public void Deliver(int index, EventOutcome outcome) => outcomes[index].TrySetResult(outcome);

        public void Started()
        {
        }

        public void Fail(Exception error)
        {
            foreach (var o in outcomes)
            {
                o.TrySetException(error);
            }
        }
    }

    /// <summary>Fetches of keys "slow…" wait until the gate opens (like a consistency wait); others answer at once.</summary>
    private sealed class GatedSource(ManualResetEventSlim gate) : IFeatureDataSource
    {
        private int waiting;

        public int Waiting => Volatile.Read(ref waiting);

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
        {
            if (key.StartsWith("slow", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref waiting);
                try
                {
                    gate.Wait(Wait);
                }
                finally
                {
                    Interlocked.Decrement(ref waiting);
                }
            }
            return """{"tier":"gold"}""";
        }

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => "[]";
    }
}
