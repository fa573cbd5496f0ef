using System.Buffers;
using FeaturePlatform.PyBridge.Hosting;
using Python.Runtime;

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
    /// caller resubmits the rest with a fresh deadline; or when <paramref name="cut"/>, the worker's cut list for single
    /// calls sharing the crossing, was set by a read that waited: see <see cref="CrossingCut"/>).
    /// </summary>
    public static int RunLocked(Worker worker, LoadedJob job, IReadOnlyList<FeatureEvent> events, IReadOnlyList<JobParameterSet>? parameters,
        int offset, int count, IFeatureDataSource source, List<EventOutcome> into, PyObject? cut = null)
    {
        job.ReloadIfChangedLocked();
        var state = job.State;
        var (answer, length, failure, fired, lastError) = Call(worker, job, Encode(worker, events, parameters, offset, count), source, offset, cut);
        return Finish(answer, length, failure, state, job, events, offset, count, into, fired, lastError);
    }

    /// <summary>
    /// As <see cref="RunLocked"/>, but takes the GIL itself and holds it only for the call: the events are encoded
    /// before and the answer is decoded after, so other workers run Python meanwhile (a replay's shards overlap).
    /// </summary>
    public static int Run(Worker worker, LoadedJob job, IReadOnlyList<FeatureEvent> events, IReadOnlyList<JobParameterSet>? parameters,
        int offset, int count, IFeatureDataSource source, List<EventOutcome> into)
    {
        var payload = Encode(worker, events, parameters, offset, count);
        JobState state;
        (byte[]? Answer, int Length, PythonJobException? Failure, bool Fired, Exception? LastError) outcome;
        worker.Enter();
        try
        {
            job.ReloadIfChangedLocked();
            state = job.State;
            outcome = Call(worker, job, payload, source, offset);
        }
        finally
        {
            worker.Exit();
        }
        return Finish(outcome.Answer, outcome.Length, outcome.Failure, state, job, events, offset, count, into, outcome.Fired, outcome.LastError);
    }

    /// <summary>
    /// The chunk's events as JSON; with <paramref name="parameters"/>, a parameter set marker <c>{"p": id, "v": {…}}</c>
    /// before the chunk's first event and wherever the set changes (so a replay whose values rarely change pays for one
    /// marker per chunk).
    /// </summary>
    private static string Encode(Worker worker, IReadOnlyList<FeatureEvent> events, IReadOnlyList<JobParameterSet>? parameters, int offset, int count)
    {
        var w = worker.Json.Start();
        w.WriteStartArray();
        JobParameterSet? current = null;
        for (var i = offset; i < offset + count; i++)
        {
            if (parameters is not null && !ReferenceEquals(parameters[i], current))
            {
                current = parameters[i];
                w.WriteStartObject();
                w.WriteNumber("p", current.Id);
                w.WritePropertyName("v");
                w.WriteRawValue(current.Json, skipInputValidation: true);
                w.WriteEndObject();
            }
            WireCodec.WriteEvent(w, events[i]);
        }
        w.WriteEndArray();
        return worker.Json.FinishText();
    }

    /// <summary>
    /// The crossing itself, GIL held: the logic's data source and deadline are set for exactly its duration. The
    /// answer (marshal bytes) is copied out, pooled, before the GIL is released.
    /// </summary>
    private static (byte[]? Answer, int Length, PythonJobException? Failure, bool Fired, Exception? LastError) Call(
        Worker worker, LoadedJob job, string payload, IFeatureDataSource source, int offset, PyObject? cut = null)
    {
        worker.Scope.Source = source;
        // The logic tells each read's event by its index in the chunk; the chunk starts at offset in the invocation.
        worker.Scope.EventIndexBase = offset;
        worker.Scope.LastError = null;
        PythonException? error = null;
        PyObject? result = null;
        using var argument = new PyString(payload);
        worker.Arm(job.Timeout);
        try
        {
            result = cut is null ? job.CallBatchMethod.Invoke(argument) : job.CallBatchMethod.Invoke(argument, cut);
        }
        catch (PythonException ex)
        {
            error = ex;
        }
        var fired = worker.Disarm();
        worker.Scope.Source = null;
        var lastError = worker.Scope.LastError;
        if (error is not null)
        {
            return (null, 0, job.FromHostError(PythonErrors.ToHostException(error, "calling the job"), fired, lastError), fired, lastError);
        }
        using (result)
        {
            var (answer, length) = PyText.RentBytes(result!);
            return (answer, length, null, fired, lastError);
        }
    }

    private static int Finish(byte[]? answer, int length, PythonJobException? failure, JobState state, LoadedJob job,
        IReadOnlyList<FeatureEvent> events, int offset, int count, List<EventOutcome> into, bool fired, Exception? lastError)
    {
        if (failure is not null)
        {
            return AddFailure(failure, state.Version, events, offset, count, into);
        }
        try
        {
            var done = AnswerReader.ReadBatch(answer.AsSpan(0, length), state.Declaration, state.Version, events, offset, into,
                info => job.ToException(info, fired, lastError));
            return done > 0 ? done : throw new PythonHostException("the Python runner processed no event of a batch chunk");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer!);
        }
    }

    private static int AddFailure(PythonJobException error, string version, IReadOnlyList<FeatureEvent> events, int offset, int count, List<EventOutcome> into)
    {
        for (var i = offset; i < offset + count; i++)
        {
            into.Add(new EventOutcome(events[i], [], error, version));
        }
        return count;
    }
}

