using System.Collections.Concurrent;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.PyBridge.Tests;

/// <summary>
/// The latency lane's extra threads (started while calls wait in reads) stop taking calls once the reads end, so later
/// calls run on the lane's own threads instead of each waking another thread in turn; and <see cref="LoadedJob.InvokeEach"/>
/// reports every call once.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class LatencyLaneTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string Threads = """
        import threading
        from featureplatform import job, Output

        @job("threads", triggers="s", outputs=[Output("thread", int)])
        def threads(event, ctx):
            if event.key.startswith("slow"):
                ctx.fetch("profile", event.key)
            if event.key.startswith("bad"):
                raise ValueError("bad " + event.key)
            return {"thread": threading.get_ident()}
        """;

    [Fact]
    public async Task After_reads_that_waited_end_the_extra_threads_stop_taking_calls()
    {
        const int extras = 4;
        using var gate = new ManualResetEventSlim();
        var data = new GatedData(gate);
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { LatencyWorkers = 1, MaxExtraLatencyWorkers = extras, MaxCallsPerGilHold = 1 });
        await using var job = await host.LoadJobAsync(PythonHostFixture.WriteJob("threads", Threads), data, new JobOptions { WatchForChanges = false });

        var slow = Enumerable.Range(0, extras).Select(i => job.InvokeAsync(new FeatureEvent("s", $"slow-{i}", i))).ToList();
        await Poll.UntilAsync(() => Task.FromResult(data.Waiting == extras && host.LatencyThreads == 1 + extras), Wait,
            () => $"{extras} calls wait in reads on {host.LatencyThreads} threads (waiting: {data.Waiting})");
        gate.Set();
        await Task.WhenAll(slow).WaitAsync(Wait);

        // Many calls in flight, none reading: an extra thread still asleep in the queue may take one (a GIL hold of one
        // call here) before it parks, no more.
        var ran = new ConcurrentBag<long>();
        var next = -1;
        async Task CallerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < 600)
            {
                ran.Add((long)(await job.InvokeAsync(new FeatureEvent("s", $"quick-{i}", i)))[0]["thread"]!);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => CallerAsync())).WaitAsync(Wait);

        var byThread = ran.GroupBy(t => t).Select(g => g.Count()).OrderDescending().ToList();
        Assert.True(ran.Count - byThread[0] <= extras, $"600 calls ran on {byThread.Count} threads: {string.Join(", ", byThread)}");
    }

    [Fact]
    public async Task InvokeEach_reports_every_call_once_with_its_rows_or_error()
    {
        using var open = new ManualResetEventSlim(initialState: true);
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { LatencyWorkers = 1 });
        await using var job = await host.LoadJobAsync(PythonHostFixture.WriteJob("threads", Threads), new GatedData(open),
            new JobOptions { WatchForChanges = false });
        var events = Enumerable.Range(0, 200).Select(i => new FeatureEvent("s", i % 7 == 0 ? $"bad-{i}" : $"ok-{i}", i)).ToList();
        var results = new ConcurrentQueue<CallResult>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        job.InvokeEach(events, null, list =>
        {
            foreach (var r in list)
            {
                results.Enqueue(r);
            }
            if (results.Count >= events.Count)
            {
                all.TrySetResult();
            }
        });
        await all.Task.WaitAsync(Wait);

        Assert.Equal(Enumerable.Range(0, events.Count), results.Select(r => r.Index).Order());
        Assert.All(results, r =>
        {
            Assert.Null(r.Failure);
            Assert.Same(events[r.Index], r.Outcome!.Event);
            Assert.Equal(job.Version, r.Outcome.Version);
            Assert.Equal(r.Index % 7 == 0, r.Outcome.Error?.PythonMessage.Contains($"bad bad-{r.Index}", StringComparison.Ordinal) ?? false);
        });
    }

    [Fact]
    public async Task Calls_sharing_a_crossing_do_not_wait_behind_a_read_of_one_of_them()
    {
        using var gate = new ManualResetEventSlim();
        await using var host = await PythonHost.StartAsync(new PythonHostOptions { LatencyWorkers = 1, MaxExtraLatencyWorkers = 2, MaxCallsPerGilHold = 256 });
        await using var job = await host.LoadJobAsync(PythonHostFixture.WriteJob("threads", Threads), new GatedData(gate),
            new JobOptions { WatchForChanges = false });
        // Calls that do not wait: crossings grow to take many of them at once.
        await InvokeAllAsync(job, [.. Enumerable.Range(0, 300).Select(i => new FeatureEvent("s", $"warm-{i}", i))], _ => { });

        // One call among many waits in its read; the calls queued with it in its crossing go on without it.
        var events = Enumerable.Range(0, 60).Select(i => new FeatureEvent("s", i == 5 ? "slow-5" : $"ok-{i}", i)).ToList();
        var results = new ConcurrentQueue<CallResult>();
        var all = InvokeAllAsync(job, events, results.Enqueue);
        await Poll.UntilAsync(() => Task.FromResult(results.Count == events.Count - 1), Wait,
            () => $"{results.Count} of the {events.Count - 1} calls that do not read answered while one call waits in its read");
        Assert.DoesNotContain(results, r => r.Index == 5);
        gate.Set();
        await all.WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(0, events.Count), results.Select(r => r.Index).Order());
        Assert.All(results, r => Assert.Null(r.Outcome!.Error));
    }

    private static Task InvokeAllAsync(LoadedJob job, List<FeatureEvent> events, Action<CallResult> each)
    {
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        job.InvokeEach(events, null, list =>
        {
            foreach (var r in list)
            {
                each(r);
            }
            if (Interlocked.Add(ref seen, list.Count) >= events.Count)
            {
                all.TrySetResult();
            }
        });
        return all.Task.WaitAsync(Wait);
    }

    /// <summary>Fetches of keys "slow…" wait until the gate opens (like a consistency wait); others answer at once.</summary>
    private sealed class GatedData(ManualResetEventSlim gate) : IFeatureDataSource
    {
        private int waiting;

        public int Waiting => Volatile.Read(ref waiting);

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency)
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
            return """{"tier":"gold"}""";
        }

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => "[]";
    }
}
