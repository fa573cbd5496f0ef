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
internal sealed class WorkerCalls(WorkerConnection connection)
{
    /// <summary>Calls sent in one run at most (bounds a message and the outcomes one worker loss fails at once).</summary>
    private const int MaxGroup = 256;

    private readonly ConcurrentQueue<QueuedCall> queue = new();
    private int sending;

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
        while (!queue.IsEmpty && Interlocked.CompareExchange(ref sending, 1, 0) == 0)
        {
            try
            {
                while (queue.TryDequeue(out var first))
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
        connection.SendCalls(group[0].Job, group[0].DataSource, events, new Group(group));
    }

    /// <summary>The calls of one run: maps each event of the run back to its call.</summary>
    private sealed class Group : ICallGroup
    {
        private readonly (QueuedCall Call, int Offset)[] byEvent;

        public Group(List<QueuedCall> calls)
        {
            byEvent = [.. calls.SelectMany(c => Enumerable.Range(0, c.Events.Count).Select(i => (c, i)))];
        }

        public void Deliver(int index, EventOutcome outcome)
        {
            var (call, offset) = byEvent[index];
            call.Deliver(offset, outcome);
        }

        public void Fail(Exception error)
        {
            foreach (var (call, _) in byEvent)
            {
                call.Completion.TrySetException(error);
            }
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
