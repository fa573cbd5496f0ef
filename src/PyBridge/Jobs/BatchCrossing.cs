using System.Buffers;
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
        var declaration = job.State.Declaration;
        var (result, fired, lastError) = Call(worker, job, Encode(worker, events, offset, count), source);
        if (result == IntPtr.Zero)
        {
            return AddFailure(job.FromHostError(Py.TakeError("calling the job"), fired, lastError), events, offset, count, into);
        }
        try
        {
            return Read(Py.Utf8(result), declaration, job, events, offset, into, fired, lastError);
        }
        finally
        {
            CPython.DecRef(result);
        }
    }

    /// <summary>
    /// As <see cref="RunLocked"/>, but takes the GIL itself and holds it only for the call: the events are encoded
    /// before and the answer is decoded after, so other workers run Python meanwhile (a replay's shards overlap).
    /// </summary>
    public static int Run(Worker worker, LoadedJob job, IReadOnlyList<FeatureEvent> events, int offset, int count,
        IFeatureDataSource source, List<EventOutcome> into)
    {
        var payload = Encode(worker, events, offset, count);
        JobDeclaration declaration;
        bool fired;
        Exception? lastError;
        PythonJobException? failure = null;
        byte[]? answer = null;
        var length = 0;
        worker.Enter();
        try
        {
            job.ReloadIfChangedLocked();
            declaration = job.State.Declaration;
            IntPtr result;
            (result, fired, lastError) = Call(worker, job, payload, source);
            if (result == IntPtr.Zero)
            {
                failure = job.FromHostError(Py.TakeError("calling the job"), fired, lastError);
            }
            else
            {
                try
                {
                    var utf8 = Py.Utf8(result);
                    answer = ArrayPool<byte>.Shared.Rent(utf8.Length);
                    utf8.CopyTo(answer);
                    length = utf8.Length;
                }
                finally
                {
                    CPython.DecRef(result);
                }
            }
        }
        finally
        {
            worker.Exit();
        }
        if (failure is not null)
        {
            return AddFailure(failure, events, offset, count, into);
        }
        try
        {
            return Read(answer.AsSpan(0, length), declaration, job, events, offset, into, fired, lastError);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer!);
        }
    }

    private static ReadOnlySpan<byte> Encode(Worker worker, IReadOnlyList<FeatureEvent> events, int offset, int count)
    {
        var w = worker.Json.Start();
        w.WriteStartArray();
        for (var i = offset; i < offset + count; i++)
        {
            WireCodec.WriteEvent(w, events[i]);
        }
        w.WriteEndArray();
        return worker.Json.Finish();
    }

    /// <summary>The crossing itself, GIL held: the logic's data source and deadline are set for exactly its duration.</summary>
    private static (IntPtr Result, bool Fired, Exception? LastError) Call(Worker worker, LoadedJob job, ReadOnlySpan<byte> payload, IFeatureDataSource source)
    {
        worker.Scope.Source = source;
        worker.Scope.LastError = null;
        worker.Arm(job.Timeout);
        var result = Py.CallWithString(job.CallBatchMethod, payload);
        var fired = worker.Disarm();
        worker.Scope.Source = null;
        return (result, fired, worker.Scope.LastError);
    }

    private static int Read(ReadOnlySpan<byte> answer, JobDeclaration declaration, LoadedJob job, IReadOnlyList<FeatureEvent> events, int offset,
        List<EventOutcome> into, bool fired, Exception? lastError)
    {
        var done = WireCodec.ReadBatch(answer, declaration, events, offset, into, info => job.ToException(info, fired, lastError));
        return done > 0 ? done : throw new PythonHostException("the Python runner processed no event of a batch chunk");
    }

    private static int AddFailure(PythonJobException error, IReadOnlyList<FeatureEvent> events, int offset, int count, List<EventOutcome> into)
    {
        for (var i = offset; i < offset + count; i++)
        {
            into.Add(new EventOutcome(events[i], [], error));
        }
        return count;
    }
}
