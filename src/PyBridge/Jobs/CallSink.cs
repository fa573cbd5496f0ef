namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>One call's result from <see cref="LoadedJob.InvokeEach"/>: its outcome, or a failure outside the logic.</summary>
/// <param name="Index">The event's position in the list given to <see cref="LoadedJob.InvokeEach"/>.</param>
/// <param name="Outcome">The call's rows or the error its logic raised; null when <paramref name="Failure"/> is set.</param>
/// <param name="Failure">Why the call could not run at all (the host is stopping); null when it ran.</param>
public readonly record struct CallResult(int Index, EventOutcome? Outcome, Exception? Failure);

/// <summary>
/// Where the calls posted together by <see cref="LoadedJob.InvokeEach"/> report: the calls that finish in one crossing, or
/// one after another before the thread pool got to hand over the first, are handed over in one list from one work item,
/// rather than one continuation (a thread-pool hop, often a thread wake-up) per call. Nothing waits to be grouped: the
/// first result schedules the hand-over at once.
/// </summary>
internal sealed class CallSink(LoadedJob job, IReadOnlyList<FeatureEvent> events, Action<IReadOnlyList<CallResult>> done)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<CallResult> ready = new();
    private int scheduled;

    /// <summary>
    /// Queues the result of call <paramref name="index"/> and schedules a hand-over unless one is pending: on
    /// <paramref name="worker"/>'s thread once it lets go of the GIL (<see cref="Hosting.Worker.Defer"/>).
    /// </summary>
    public void Post(int index, object result, Hosting.Worker worker)
    {
        ready.Enqueue(Result(index, result));
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            worker.Defer(static sink => ((CallSink)sink!).HandOver(), this);
        }
    }

    private void HandOver()
    {
        // Cleared before draining: a result queued after the drain's last look schedules its own hand-over.
        Volatile.Write(ref scheduled, 0);
        List<CallResult>? results = null;
        while (ready.TryDequeue(out var r))
        {
            (results ??= []).Add(r);
        }
        if (results is not null)
        {
            done(results);
        }
    }

    /// <summary>The result of call <paramref name="index"/> from what its work produced (rows or an exception).</summary>
    public CallResult Result(int index, object result) => result switch
    {
        PythonJobException error => new CallResult(index, new EventOutcome(events[index], [], error, job.Version), null),
        Exception failure => new CallResult(index, null, failure),
        // The version running when the call finished (a reload swaps versions between calls, never during one).
        _ => new CallResult(index, new EventOutcome(events[index], (IReadOnlyList<ResultRow>)result, null, job.Version), null),
    };

    /// <summary>Hands <paramref name="results"/> over (never throws into the lane: a failing receiver is its own problem).</summary>
    public void Done(IReadOnlyList<CallResult> results) => done(results);
}
