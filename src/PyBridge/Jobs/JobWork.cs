using System.Buffers;
using System.Diagnostics;
using FeaturePlatform.PyBridge.Hosting;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// One event through a job's logic on a latency worker: one crossing of its own, or, when calls of the same job and
/// data source are queued together, one shared <c>call_batch</c> crossing (the crossing is most of a call's cost, so
/// concurrent callers amortise it without waiting for each other: only calls already queued are coalesced).
/// </summary>
internal sealed class CallWork(LoadedJob job, FeatureEvent e, IFeatureDataSource source, PriorityGate gate, CallSink? sink = null, int index = 0) : PyWork
{
    /// <summary>The caller's task (unused when the call reports to a <see cref="CallSink"/>).</summary>
    public TaskCompletionSource<IReadOnlyList<ResultRow>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes the call with its rows or exception, called from a thread-pool work item (never under the GIL).</summary>
    private void Complete(object result)
    {
        if (sink is not null)
        {
            sink.Done([sink.Result(index, result)]);
        }
        else if (result is Exception error)
        {
            Completion.TrySetException(error);
        }
        else
        {
            Completion.TrySetResult((IReadOnlyList<ResultRow>)result);
        }
    }

    /// <summary>Completes calls that finished together: the calls of one sink in one hand-over, the others one by one.</summary>
    private static void Complete(CallWork[] calls, object[] results)
    {
        List<CallResult>? together = null;
        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i].Sink is not { } s)
            {
                calls[i].Complete(results[i]);
                continue;
            }
            if (together is not null && !ReferenceEquals(s, calls[i - 1].Sink))
            {
                calls[i - 1].Sink!.Done(together);
                together = null;
            }
            (together ??= []).Add(s.Result(calls[i].Index, results[i]));
        }
        if (together is not null)
        {
            calls[^1].Sink!.Done(together);
        }
    }

    private LoadedJob Job => job;

    private FeatureEvent Event => e;

    private IFeatureDataSource Source => source;

    private CallSink? Sink => sink;

    private int Index => index;

    public override int RunLocked(Worker worker, List<PyWork> taken, int start)
    {
        // At most a chunk's worth (about BatchChunkTarget of work), so the shared deadline of the crossing stays far
        // from any one call's timeout. Only over a source that never waits: a read that waits hands the calls after
        // it back to the lane, which a shared crossing could not do.
        var limit = source.MayBlock ? start + 1 : start + Math.Max(1, job.ChunkSize);
        var end = start + 1;
        while (end < taken.Count && end < limit && taken[end] is CallWork next && ReferenceEquals(next.Job, job) && ReferenceEquals(next.Source, source))
        {
            end++;
        }
        if (end - start == 1)
        {
            RunLocked(worker);
            return 1;
        }
        var calls = new CallWork[end - start];
        var events = new FeatureEvent[calls.Length];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = (CallWork)taken[start + i];
            events[i] = calls[i].Event;
        }
        RunCoalescedLocked(worker, calls, events);
        return calls.Length;
    }

    private void RunCoalescedLocked(Worker worker, CallWork[] calls, FeatureEvent[] events)
    {
        var offset = 0;
        var results = new object[calls.Length];
        try
        {
            var outcomes = new List<EventOutcome>(calls.Length);
            while (offset < calls.Length)
            {
                outcomes.Clear();
                var started = Stopwatch.GetTimestamp();
                var done = BatchCrossing.RunLocked(worker, job, events, null, offset, calls.Length - offset, source, outcomes);
                job.RecordChunk(done, Stopwatch.GetTimestamp() - started);
                for (var i = 0; i < done; i++)
                {
                    results[offset + i] = (object?)outcomes[i].Error ?? outcomes[i].Rows;
                }
                offset += done;
            }
        }
        catch (Exception ex)
        {
            for (var i = offset; i < calls.Length; i++)
            {
                results[i] = ex;
            }
        }
        finally
        {
            gate.Exit(calls.Length);
        }
        // The callers are completed from the thread pool, in one work item: completing each here would queue (and may
        // wake a thread for) every caller's continuation on the thread that holds the GIL (measured ~4% of a saturated
        // latency worker's time at 64 calls in flight).
        ThreadPool.UnsafeQueueUserWorkItem(static state => Complete(state.calls, state.results), (calls, results), preferLocal: false);
    }

    public override void RunLocked(Worker worker)
    {
        try
        {
            job.ReloadIfChangedLocked();
            var state = job.State;
            var w = worker.Json.Start();
            WireCodec.WriteEvent(w, e);
            using var payload = new PyString(worker.Json.FinishText());
            worker.Scope.Source = source;
            worker.Scope.EventIndexBase = 0;
            worker.Scope.LastError = null;
            PyObject result;
            worker.Arm(job.Timeout);
            try
            {
                result = job.CallMethod.Invoke(payload);
            }
            catch (PythonException ex)
            {
                var timedOut = worker.Disarm();
                throw job.FromHostError(PythonErrors.ToHostException(ex, "calling the job"), timedOut, worker.Scope.LastError);
            }
            var fired = worker.Disarm();
            byte[] answer;
            int length;
            using (result)
            {
                (answer, length) = PyText.RentBytes(result);
            }
            IReadOnlyList<ResultRow> rows;
            try
            {
                rows = AnswerReader.ReadSingle(answer.AsSpan(0, length), state.Declaration, info => job.ToException(info, fired, worker.Scope.LastError));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(answer);
            }
            Finish(rows);
        }
        catch (Exception ex)
        {
            Finish(ex);
        }
        finally
        {
            worker.Scope.Source = null;
            gate.Exit();
        }
    }

    public override void Abandon(Exception reason)
    {
        Complete(reason);
        gate.Exit();
    }

    /// <summary>
    /// Completes a call run on its own: a caller's task at once (its continuation runs on the pool anyway); a sink's
    /// result is queued for its hand-over on the pool, as the receiver may do I/O and this thread holds the GIL.
    /// </summary>
    private void Finish(object result)
    {
        if (sink is null)
        {
            Complete(result);
            return;
        }
        sink.Post(index, result);
    }
}

/// <summary>Any short piece of Python work under the GIL (load, reload, parameter swap, evaluation).</summary>
internal sealed class ControlWork<T>(Func<Worker, T> body, PriorityGate gate) : PyWork
{
    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void RunLocked(Worker worker)
    {
        try
        {
            Completion.SetResult(body(worker));
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
        finally
        {
            gate.Exit();
        }
    }

    public override void Abandon(Exception reason)
    {
        Completion.TrySetException(reason);
        gate.Exit();
    }
}

/// <summary>
/// Many events through a job's logic on a bulk worker, in chunks sized to about one
/// <see cref="PythonHostOptions.BatchChunkTarget"/> each; between chunks the GIL is released and pending single
/// calls go first.
/// </summary>
internal sealed class BatchWork(LoadedJob job, IReadOnlyList<FeatureEvent> events, IReadOnlyList<JobParameterSet>? parameters, IFeatureDataSource source, PriorityGate gate,
    PythonHostOptions options, CancellationToken cancellationToken) : PyWork
{
    public TaskCompletionSource<IReadOnlyList<EventOutcome>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool IsSingleCrossing => false;

    public override void Run(Worker worker)
    {
        try
        {
            var outcomes = new List<EventOutcome>(events.Count);
            var offset = 0;
            while (offset < events.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                gate.WaitForIdle(options.BulkYieldLimit);
                var chunk = Math.Min(job.ChunkSize, events.Count - offset);
                var started = Stopwatch.GetTimestamp();
                var done = BatchCrossing.Run(worker, job, events, parameters, offset, chunk, source, outcomes);
                offset += done;
                job.RecordChunk(done, Stopwatch.GetTimestamp() - started);
            }
            Completion.SetResult(outcomes);
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
    }

    public override void Abandon(Exception reason) => Completion.TrySetException(reason);
}
