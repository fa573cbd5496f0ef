using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Workers;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Execution;

/// <summary>
/// A worker's reads of a source that reads asynchronously (the event center's, <see cref="IAsyncFeatureReads"/>) are
/// served by its asynchronous reads, on no read thread: here every read waits until two are in flight at once, with one
/// read thread per worker (a read thread blocked on the first read would leave the other unserved until the run's
/// time-out), and the source's blocking reads fail if called.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class WorkerAsyncReadsTests(PythonHostFixture python)
{
    private const string ThreeReads = """
        from datetime import timedelta
        from featureplatform import Output, job

        @job("gated_reads_in_worker", triggers="orders", outputs=[Output("seen", int, "Changes read.")])
        def gated_reads_in_worker(event, ctx):
            return {"seen": len(ctx.history("orders", event.key, since=timedelta(days=1)))}
        """;

    [Fact]
    public async Task Reads_of_an_asynchronous_source_wait_on_no_thread()
    {
        var source = new GatedReads(inFlight: 2);
        await using var jobs = await StoredEvents.LoadJobsAsync(python, source, ("gated_reads_in_worker", ThreeReads));
        var job = jobs.Find("gated_reads_in_worker")!;
        await using var worker = await WorkerConnection.StartAsync("async-reads-test",
            new WorkerSettings { EntryAssembly = FeatureApiProcess.DllPath, MemoryLimitMb = 0, ReadThreads = 1 }, new PythonHostOptions(), NullLogger.Instance, CancellationToken.None);

        // Two runs at once on one worker: each computation's read waits for the other's to start as well.
        var runs = Enumerable.Range(0, 2).Select(i => worker.RunAsync(job, [new FeatureEvent("orders", $"k-{i}", 1_700_000_000_000 + i, "{}")], source, each: true, null,
            CancellationToken.None)).ToList();
        var outcomes = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(outcomes, o => Assert.Equal(2L, Convert.ToInt64(Assert.Single(Assert.Single(o).Rows).Values[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(2, source.Reads);
    }

    /// <summary>Answers each history read with two changes once <c>inFlight</c> reads have started; its blocking reads throw.</summary>
    private sealed class GatedReads(int inFlight) : IFeatureDataSource, IAsyncFeatureReads
    {
        private readonly TaskCompletionSource allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int reads;

        public int Reads => Volatile.Read(ref reads);

        public bool ReadsAsync => true;

        public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => throw new InvalidOperationException("a blocking fetch");

        public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) => throw new InvalidOperationException("a blocking read");

        public ValueTask<string?> FetchAsync(string source, string key, long asOfMs, Consistency consistency) => ValueTask.FromResult<string?>(null);

        public async ValueTask<string> HistoryAsync(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency)
        {
            if (Interlocked.Increment(ref reads) == inFlight)
            {
                allStarted.TrySetResult();
            }
            await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return """[{"time_ms": 1, "op": "create", "data": {}}, {"time_ms": 2, "op": "create", "data": {}}]""";
        }
    }
}
