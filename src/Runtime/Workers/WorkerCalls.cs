using System.Collections.Concurrent;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// Calls to one worker, grouped: calls that arrive while another is being sent go to the worker together as one run (each
/// event still a call of its own there, with its own outcome, error and CPU timeout), so under load a call costs a share of
/// one message each way rather than a message of its own. A call waits for nothing to be grouped with: the first one
/// is sent at once by its own caller, and whoever sends takes everything queued behind it.
/// </summary>
/// <remarks>
/// At most <see cref="MaxUnstarted"/> groups are out without a sign of progress from the worker (an outcome or a read of
/// one of their calls); calls arriving meanwhile queue and go as one group when such a sign comes. So groups grow with
/// load the way batches do, and a lone call still goes at once. A call waiting in a fetch has sent its read, so it never
/// holds back the calls behind it; only groups whose calls all compute without reading (each within its CPU timeout)
/// can delay the next one. Sending every call at once cost a message, a wake-up and a thread-pool hop per call on both
/// sides: measured 1.0-1.1 calls per run message at 64 calls in flight.
/// </remarks>
internal sealed class WorkerCalls(WorkerConnection connection)
{
    /// <summary>Calls sent in one run at most (bounds a message and the outcomes one worker loss fails at once).</summary>
    private const int MaxGroup = 256;

    /// <summary>
    /// Groups out without any outcome or read yet; two, so one group computing without reads still leaves the worker's
    /// second latency thread (the default) work to run.
    /// </summary>
    internal const int MaxUnstarted = 2;

    private readonly ConcurrentQueue<QueuedCall> queue = new();
    private int sending;
    private int unstarted;

    /// <summary>Runs the events as calls (grouped with other calls of the same job and data source).</summary>
    public async Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, CancellationToken cancellationToken)
    {
        var call = new QueuedCall(job, events, dataSource);
        queue.Enqueue(call);
        SendQueued();
        return await call.Completion.Task.WaitAsync(cancellationToken);
    }

    private void SendQueued()
    {
        // One sender at a time; a call queued while it sends is taken by it, or by the check after it lets go.
        while (!queue.IsEmpty && Volatile.Read(ref unstarted) < MaxUnstarted && Interlocked.CompareExchange(ref sending, 1, 0) == 0)
        {
            try
            {
                while (Volatile.Read(ref unstarted) < MaxUnstarted && queue.TryDequeue(out var first))
                {
                    var group = new List<QueuedCall> { first };
                    var count = first.Events.Count;
                    while (count < MaxGroup && queue.TryPeek(out var next) && ReferenceEquals(next.Job, first.Job) && ReferenceEquals(next.DataSource, first.DataSource)
                        && queue.TryDequeue(out next))
                    {
                        group.Add(next);
                        count += next.Events.Count;
                    }
                    Send(group);
                }
            }
            finally
            {
                Volatile.Write(ref sending, 0);
            }
        }
    }

    private void Send(List<QueuedCall> group)
    {
        var events = new List<FeatureEvent>(group.Sum(c => c.Events.Count));
        foreach (var call in group)
        {
            events.AddRange(call.Events);
        }
        Interlocked.Increment(ref unstarted);
        connection.SendCalls(group[0].Job, group[0].DataSource, events, new Group(this, group));
    }

    /// <summary>A group sent showed progress (or failed): the calls queued meanwhile may go.</summary>
    private void Started()
    {
        Interlocked.Decrement(ref unstarted);
        SendQueued();
    }

    /// <summary>The calls of one run: maps each event of the run back to its call.</summary>
    private sealed class Group : ICallGroup
    {
        private readonly WorkerCalls owner;
        private readonly (QueuedCall Call, int Offset)[] byEvent;
        private int started;

        public Group(WorkerCalls owner, List<QueuedCall> calls)
        {
            this.owner = owner;
            byEvent = [.. calls.SelectMany(c => Enumerable.Range(0, c.Events.Count).Select(i => (c, i)))];
        }

        public void Started()
        {
            if (Interlocked.Exchange(ref started, 1) == 0)
            {
                owner.Started();
            }
        }

        public void Deliver(int index, EventOutcome outcome)
        {
            var (call, offset) = byEvent[index];
            call.Deliver(offset, outcome);
            Started();
        }

        public void Fail(Exception error)
        {
            foreach (var (call, _) in byEvent)
            {
                call.Completion.TrySetException(error);
            }
            Started();
        }
    }

    private sealed class QueuedCall(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource)
    {
        public RegisteredJob Job { get; } = job;

        public IReadOnlyList<FeatureEvent> Events { get; } = events;

        public IFeatureDataSource DataSource { get; } = dataSource;

        public TaskCompletionSource<IReadOnlyList<EventOutcome>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly EventOutcome?[] outcomes = new EventOutcome?[events.Count];
        private int remaining = events.Count;

        public void Deliver(int index, EventOutcome outcome)
        {
            if (Interlocked.CompareExchange(ref outcomes[index], outcome, null) is null && Interlocked.Decrement(ref remaining) == 0)
            {
                Completion.TrySetResult([.. outcomes.Select(o => o!)]);
            }
        }
    }
}
