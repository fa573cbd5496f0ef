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
        var settings = new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, MemoryLimitMb = 0 };
        await using var worker = await WorkerConnection.StartAsync("group-test", settings, new PythonHostOptions(), NullLogger.Instance, CancellationToken.None);

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

    /// <summary>Takes each call's outcome as the worker sends it.</summary>
    private sealed class RecordingGroup(int count) : ICallGroup
    {
        private readonly TaskCompletionSource<EventOutcome>[] outcomes =
            [.. Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<EventOutcome>(TaskCreationOptions.RunContinuationsAsynchronously))];

        public Task<EventOutcome> Outcome(int index) => outcomes[index].Task;

        public void Deliver(int index, EventOutcome outcome) => outcomes[index].TrySetResult(outcome);

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
