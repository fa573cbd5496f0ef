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
    private static void Complete(List<(CallWork Call, object Result)> finished)
    {
        List<CallResult>? together = null;
        for (var i = 0; i < finished.Count; i++)
        {
            var (call, result) = finished[i];
            if (call.Sink is not { } s)
            {
                call.Complete(result);
                continue;
            }
            if (together is not null && !ReferenceEquals(s, finished[i - 1].Call.Sink))
            {
                finished[i - 1].Call.Sink!.Done(together);
                together = null;
            }
            (together ??= []).Add(s.Result(call.Index, result));
        }
        if (together is not null)
        {
            finished[^1].Call.Sink!.Done(together);
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
        // from any one call's timeout; over a source that may wait, as many as recently ran without waiting (a read that
        // waits cuts the crossing, see CrossingCut: calls that always wait would only be cut again).
        var limit = start + Math.Max(1, source.MayBlock ? Math.Min(job.ChunkSize, job.CallsWithoutWait) : job.ChunkSize);
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
        // A read that waits hands back what this worker took after the crossing; the crossing's own calls go by its cut.
        worker.NextTaken = end;
        RunCoalescedLocked(worker, calls, events);
        return calls.Length;
    }

    private void RunCoalescedLocked(Worker worker, CallWork[] calls, FeatureEvent[] events)
    {
        var offset = 0;
        var results = new object?[calls.Length];
        CrossingCut? cut = null;
        if (source.MayBlock)
        {
            CrossingCut.Reset(worker.CutControl);
            worker.Scope.Cut = cut = new CrossingCut(calls, worker.CutControl, (from, to) => AnswerBefore(calls, events, results, from, to, worker));
        }
        var ran = calls.Length;
        try
        {
            var outcomes = new List<EventOutcome>(calls.Length);
            while (offset < calls.Length && cut is not { IsCut: true })
            {
                outcomes.Clear();
                cut?.Offset = offset;
                var started = Stopwatch.GetTimestamp();
                var done = BatchCrossing.RunLocked(worker, job, events, null, offset, calls.Length - offset, source, outcomes, cut is null ? null : worker.CutControl);
                job.RecordChunk(done, Stopwatch.GetTimestamp() - started);
                for (var i = 0; i < done; i++)
                {
                    results[offset + i] ??= (object?)outcomes[i].Error ?? outcomes[i].Rows;
                }
                offset += done;
            }
        }
        catch (Exception ex)
        {
            for (var i = offset; i < calls.Length; i++)
            {
                results[i] ??= ex;
            }
        }
        finally
        {
            worker.Scope.Cut = null;
            // The calls after a cut went back to the lane, still counted by the gate: this crossing ran the others.
            if (cut is { IsCut: true })
            {
                ran = cut.At + 1;
            }
            gate.Exit(ran);
        }
        if (cut is not null)
        {
            job.CallsRan(ran, cut.IsCut);
        }
        // Calls answered before a cut are not answered again.
        var finished = new List<(CallWork, object)>(ran);
        for (var i = 0; i < ran; i++)
        {
            if (results[i] is not Answered)
            {
                finished.Add((calls[i], results[i]!));
            }
        }
        // The callers are completed together once this thread lets go of the GIL: completing each here would queue (and
        // may wake a thread for) every caller's continuation while the GIL is held (measured ~4% of a saturated latency
        // worker's time at 64 calls in flight), and a thread-pool work item for them costs a wake-up per crossing.
        worker.Defer(static finished => Complete((List<(CallWork, object)>)finished!), finished);
    }

    /// <summary>
    /// Answers calls [<paramref name="from"/>, <paramref name="to"/>) of a crossing a waiting read cuts, from the outcomes
    /// Python has so far (GIL held), and marks them <see cref="Answered"/>; if that fails they are answered with the rest.
    /// </summary>
    private void AnswerBefore(CallWork[] calls, FeatureEvent[] events, object?[] results, int from, int to, Worker worker)
    {
        try
        {
            var state = job.State;
            byte[] answer;
            int length;
            using (var marshalled = worker.Scope.Cut!.DoneSoFar(job.DoneSoFarMethod))
            {
                (answer, length) = PyText.RentBytes(marshalled);
            }
            var outcomes = new List<EventOutcome>(to - from);
            try
            {
                AnswerReader.ReadBatch(answer.AsSpan(0, length), state.Declaration, state.Version, events, from, outcomes, info => job.ToException(info, false, null));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(answer);
            }
            if (outcomes.Count != to - from)
            {
                return;
            }
            var early = new List<(CallWork, object)>(outcomes.Count);
            for (var i = 0; i < outcomes.Count; i++)
            {
                early.Add((calls[from + i], (object?)outcomes[i].Error ?? outcomes[i].Rows));
                results[from + i] = Answered.Instance;
            }
            worker.Defer(static early => Complete((List<(CallWork, object)>)early!), early); // run as the read starts to wait
        }
        catch (Exception ex) when (ex is PythonException or PythonHostException or PythonJobException or InvalidDataException)
        {
            // answered with the rest of the crossing, after the read
        }
    }

    /// <summary>A call of a cut crossing already answered before the read that cut it.</summary>
    private sealed class Answered
    {
        public static readonly Answered Instance = new();
    }

    public override void RunLocked(Worker worker)
    {
        worker.Scope.Waited = false;
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
            Finish(rows, worker);
        }
        catch (Exception ex)
        {
            Finish(ex, worker);
        }
        finally
        {
            worker.Scope.Source = null;
            gate.Exit();
        }
        if (source.MayBlock)
        {
            job.CallsRan(1, worker.Scope.Waited);
        }
    }

    public override void Abandon(Exception reason)
    {
        Complete(reason);
        gate.Exit();
    }

    /// <summary>
    /// Completes a call run on its own: a caller's task at once (its continuation runs on the pool anyway); a sink's
    /// result is queued for its hand-over once this thread lets go of the GIL, as the receiver may do I/O.
    /// </summary>
    private void Finish(object result, Worker worker)
    {
        if (sink is null)
        {
            Complete(result);
            return;
        }
        sink.Post(index, result, worker);
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
