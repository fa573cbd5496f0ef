using System.Runtime.CompilerServices;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// Lets a retry after a host error run truly alone. A worker that crashes fails every run it holds, so a run beside the
/// one that crashed it fails too, through no fault of its events. Runs of a job share its worker (the run loop keeps two
/// batches with the logic, and live, replay and calls of a job use the same lane), so a retry that must tell which event
/// crashes the worker waits until no other run of the job is in flight and holds the others back while it runs.
/// </summary>
/// <remarks>
/// Shared runs (every batch and call) enter without waiting while no alone run holds or waits for the job: one lock, no
/// allocation. Alone runs go first once one waits, so a steady flow of calls cannot hold a retry back.
/// </remarks>
internal sealed class AloneRuns
{
    private static readonly ConditionalWeakTable<RegisteredJob, AloneRuns> PerJob = [];

    private readonly Lock sync = new();
    private readonly LinkedList<TaskCompletionSource> aloneWaiting = new();
    private int shared;
    private bool aloneHeld;
    private TaskCompletionSource? sharedTurn;

    /// <summary>The gate of <paramref name="job"/>'s runs in this process.</summary>
    public static AloneRuns For(RegisteredJob job) => PerJob.GetValue(job, static _ => new AloneRuns());

    /// <summary>Enters a run that may share the worker with other runs: waits while a run alone holds or waits for it.</summary>
    public async ValueTask<Release> EnterSharedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task turn;
            lock (sync)
            {
                if (!aloneHeld && aloneWaiting.Count == 0)
                {
                    shared++;
                    return new Release(this, Alone: false);
                }
                turn = (sharedTurn ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Enters a run alone: waits until no other run is in flight, and keeps new ones out until it ends.</summary>
    public async ValueTask<Release> EnterAloneAsync(CancellationToken cancellationToken)
    {
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource> node;
        lock (sync)
        {
            if (!aloneHeld && shared == 0 && aloneWaiting.Count == 0)
            {
                aloneHeld = true;
                return new Release(this, Alone: true);
            }
            node = aloneWaiting.AddLast(turn);
        }
        try
        {
            await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            TaskCompletionSource? next = null, sharedGo = null;
            bool handedOver;
            lock (sync)
            {
                handedOver = turn.Task.IsCompleted;
                if (!handedOver)
                {
                    // Shared runs held back for this one may go on (or the next alone run).
                    aloneWaiting.Remove(node);
                    (next, sharedGo) = AdvanceLocked();
                }
            }
            if (handedOver)
            {
                // Handed the worker just as the wait was cancelled: pass it on.
                Exit(wasAlone: true);
            }
            next?.TrySetResult();
            sharedGo?.TrySetResult();
            throw;
        }
        return new Release(this, Alone: true);
    }

    private void Exit(bool wasAlone)
    {
        TaskCompletionSource? next, sharedGo;
        lock (sync)
        {
            if (wasAlone)
            {
                aloneHeld = false;
            }
            else
            {
                shared--;
            }
            (next, sharedGo) = AdvanceLocked();
        }
        next?.TrySetResult();
        sharedGo?.TrySetResult();
    }

    /// <summary>Who goes next: the first alone run once no run is in flight, else (none waiting alone) every shared run held back.</summary>
    private (TaskCompletionSource? Alone, TaskCompletionSource? Shared) AdvanceLocked()
    {
        if (aloneHeld)
        {
            return (null, null);
        }
        if (aloneWaiting.First is { } first)
        {
            if (shared > 0)
            {
                return (null, null);
            }
            aloneWaiting.RemoveFirst();
            aloneHeld = true;
            return (first.Value, null);
        }
        var go = sharedTurn;
        sharedTurn = null;
        return (null, go);
    }

    /// <summary>Leaves the run entered.</summary>
    internal readonly record struct Release(AloneRuns Gate, bool Alone) : IDisposable
    {
        public void Dispose() => Gate.Exit(Alone);
    }
}
