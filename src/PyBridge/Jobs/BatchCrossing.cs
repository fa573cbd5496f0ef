using FeaturePlatform.PyBridge.Hosting;
using FeaturePlatform.PyBridge.Interop;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// One crossing into a job's <c>call_batch</c> for a run of events: shared by batches (<see cref="BatchWork"/>) and by
/// queued single calls that a latency worker coalesces (<see cref="CallWork"/>).
/// </summary>
internal static class BatchCrossing
{
    /// <summary>
    /// Runs <paramref name="count"/> events from <paramref name="offset"/> with the GIL held, appending one outcome per
    /// event processed to <paramref name="into"/>; returns how many were processed (fewer when one timed out: the
    /// caller resubmits the rest with a fresh deadline).
    /// </summary>
    public static int RunLocked(Worker worker, LoadedJob job, IReadOnlyList<FeatureEvent> events, int offset, int count,
        IFeatureDataSource source, List<EventOutcome> into)
    {
        job.ReloadIfChangedLocked();
        var state = job.State;
        var w = worker.Json.Start();
        w.WriteStartArray();
        for (var i = offset; i < offset + count; i++)
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
            for (var i = offset; i < offset + count; i++)
            {
                into.Add(new EventOutcome(events[i], [], error));
            }
            return count;
        }
        try
        {
            var done = WireCodec.ReadBatch(Py.Utf8(result), state.Declaration, events, offset, into,
                info => job.ToException(info, fired, worker.Scope.LastError));
            return done > 0 ? done : throw new PythonHostException("the Python runner processed no event of a batch chunk");
        }
        finally
        {
            CPython.DecRef(result);
        }
    }
}
