using System.Collections.Concurrent;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>
/// A dedicated thread that runs the calls on one librdkafka handle, one at a time, in the order they were queued.
/// </summary>
/// <remarks>
/// librdkafka's consume, commit and committed calls block for up to their timeouts, and a consumer handle must not be
/// used from two threads at once. Running them on the thread pool (Task.Run) parked one pool thread per busy consumer,
/// which on a small machine starved everything else of threads until the pool slowly added more; a thread of the
/// consumer's own costs the pool nothing, and the queue keeps the calls serial. A call cancelled while it waits in
/// the queue is dropped without running; one already running sees its token itself. Results complete on the thread
/// pool, never on this thread, so a caller's continuation cannot hold up the next call.
/// </remarks>
internal sealed class KafkaClientThread
{
    private readonly BlockingCollection<WorkItem> queue = [];
    private readonly Thread thread;

    /// <summary>Starts the thread; <paramref name="name"/> names it in debuggers and dumps.</summary>
    public KafkaClientThread(string name)
    {
        thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>
    /// Queues <paramref name="action"/>. Must not be called after <see cref="CompleteAsync"/> (the owner guards that:
    /// the queue then throws <see cref="InvalidOperationException"/>).
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(action, cancellationToken);
        queue.Add(item, CancellationToken.None);
        return item.Task;
    }

    /// <summary>Queues <paramref name="last"/> after everything queued so far, then ends the thread once it ran.</summary>
    public Task CompleteAsync(Action last)
    {
        var task = RunAsync(() =>
        {
            last();
            return true;
        }, CancellationToken.None);
        queue.CompleteAdding();
        return task;
    }

    private void Run()
    {
        foreach (var item in queue.GetConsumingEnumerable())
        {
            item.Execute();
        }
        queue.Dispose();
    }

    private abstract class WorkItem
    {
        /// <summary>Runs the call unless it was cancelled while queued; never throws.</summary>
        public abstract void Execute();
    }

    private sealed class WorkItem<T> : WorkItem
    {
        private const int Queued = 0;
        private const int Running = 1;
        private const int Cancelled = 2;

        private readonly Func<T> action;
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration registration;
        private int state;

        public WorkItem(Func<T> action, CancellationToken cancellationToken)
        {
            this.action = action;
            // Runs at once when the token is already cancelled.
            registration = cancellationToken.Register(() =>
            {
                if (Interlocked.CompareExchange(ref state, Cancelled, Queued) == Queued)
                {
                    completion.TrySetCanceled(cancellationToken);
                }
            });
        }

        public Task<T> Task => completion.Task;

        public override void Execute()
        {
            if (Interlocked.CompareExchange(ref state, Running, Queued) != Queued)
            {
                return;
            }
            registration.Dispose();
            try
            {
                completion.TrySetResult(action());
            }
            catch (OperationCanceledException e)
            {
                completion.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        }
    }
}
