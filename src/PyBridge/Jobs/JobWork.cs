using System.Diagnostics;
using FeaturePlatform.PyBridge.Hosting;
using FeaturePlatform.PyBridge.Interop;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>One event through a job's logic: one crossing on a latency worker.</summary>
internal sealed class CallWork(LoadedJob job, FeatureEvent e, IFeatureDataSource source, PriorityGate gate) : PyWork
{
    public TaskCompletionSource<IReadOnlyList<ResultRow>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void RunLocked(Worker worker)
    {
        try
        {
            job.ReloadIfChangedLocked();
            var state = job.State;
            var w = worker.Json.Start();
            WireCodec.WriteEvent(w, e);
            var payload = worker.Json.Finish();
            worker.Scope.Source = source;
            worker.Scope.LastError = null;
            worker.Arm(job.Timeout);
            var result = Py.CallWithString(job.CallMethod, payload);
            var fired = worker.Disarm();
            if (result == IntPtr.Zero)
            {
                throw job.FromHostError(Py.TakeError("calling the job"), fired, worker.Scope.LastError);
            }
            try
            {
                Completion.SetResult(WireCodec.ReadSingle(Py.Utf8(result), state.Declaration, info => job.ToException(info, fired, worker.Scope.LastError)));
            }
            finally
            {
                CPython.DecRef(result);
            }
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
        finally
        {
            worker.Scope.Source = null;
            gate.Exit();
        }
    }

    public override void Abandon(Exception reason)
    {
        Completion.TrySetException(reason);
        gate.Exit();
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
internal sealed class BatchWork(LoadedJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource source, PriorityGate gate,
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
            var targetTicks = options.BatchChunkTarget.TotalSeconds * Stopwatch.Frequency;
            while (offset < events.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                gate.WaitForIdle(options.BulkYieldLimit);
                var chunk = Math.Min(job.ChunkSize, events.Count - offset);
                var started = Stopwatch.GetTimestamp();
                worker.Enter();
                int done;
                try
                {
                    done = RunChunk(worker, offset, chunk, outcomes);
                }
                finally
                {
                    worker.Exit();
                }
                offset += done;
                var perEvent = (double)(Stopwatch.GetTimestamp() - started) / done;
                job.ChunkSize = (int)Math.Clamp(0.7 * job.ChunkSize + 0.3 * (targetTicks / Math.Max(perEvent, 1)), 1, 4096);
            }
            Completion.SetResult(outcomes);
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
    }

    private int RunChunk(Worker worker, int offset, int chunk, List<EventOutcome> outcomes)
    {
        job.ReloadIfChangedLocked();
        var state = job.State;
        var w = worker.Json.Start();
        w.WriteStartArray();
        for (var i = offset; i < offset + chunk; i++)
        {
            WireCodec.WriteEvent(w, events[i]);
        }
        w.WriteEndArray();
        var payload = worker.Json.Finish();
        worker.Scope.Source = source;
        worker.Scope.LastError = null;
        worker.Arm(job.Timeout);
        var result = Py.CallWithString(job.CallBatchMethod, payload);
        var fired = worker.Disarm();
        worker.Scope.Source = null;
        if (result == IntPtr.Zero)
        {
            var error = job.FromHostError(Py.TakeError("calling the job"), fired, worker.Scope.LastError);
            for (var i = offset; i < offset + chunk; i++)
            {
                outcomes.Add(new EventOutcome(events[i], [], error));
            }
            return chunk;
        }
        try
        {
            var done = WireCodec.ReadBatch(Py.Utf8(result), state.Declaration, events, offset, outcomes,
                info => job.ToException(info, fired, worker.Scope.LastError));
            return done > 0 ? done : throw new PythonHostException("the Python runner processed no event of a batch chunk");
        }
        finally
        {
            CPython.DecRef(result);
        }
    }

    public override void Abandon(Exception reason) => Completion.TrySetException(reason);
}
