using System.Runtime.CompilerServices;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Quarantine;

/// <summary>
/// Lets a retry after a host error run truly alone. A worker that crashes fails every run it holds, so a run beside the
/// one that crashed it fails too, through no fault of its events. Runs of a job share its worker (the run loop keeps two
/// batches with the logic, and live, replay and calls of a job use the same lane), so a retry that must tell which event
/// crashes the worker waits until no other run of the job is in flight and holds the others back while it runs.
/// </summary>
internal sealed class AloneRuns
{
    private static readonly ConditionalWeakTable<RegisteredJob, AloneRuns> PerJob = [];

    // Held by an alone run for its whole run, and for a moment by a shared run checking in, so none starts meanwhile.
    private readonly SemaphoreSlim alone = new(1, 1);
    private readonly Lock sync = new();
    private int shared;
    private TaskCompletionSource? drained;

    /// <summary>The gate of <paramref name="job"/>'s runs in this process.</summary>
    public static AloneRuns For(RegisteredJob job) => PerJob.GetValue(job, static _ => new AloneRuns());

    /// <summary>Enters a run that may share the worker with other runs: waits while a run alone is in flight.</summary>
    public async ValueTask<Release> EnterSharedAsync(CancellationToken cancellationToken)
    {
        await alone.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (sync)
        {
            shared++;
        }
        alone.Release();
        return new Release(this, Alone: false);
    }

    /// <summary>Enters a run alone: waits until no other run is in flight, and keeps new ones out until it ends.</summary>
    public async ValueTask<Release> EnterAloneAsync(CancellationToken cancellationToken)
    {
        await alone.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task wait;
            lock (sync)
            {
                if (shared == 0)
                {
                    return new Release(this, Alone: true);
                }
                wait = (drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            // No shared run starts while the semaphore is held, so the count only falls: one wait is enough.
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Release(this, Alone: true);
        }
        catch
        {
            alone.Release();
            throw;
        }
    }

    private void Exit(bool wasAlone)
    {
        if (wasAlone)
        {
            alone.Release();
            return;
        }
        TaskCompletionSource? done = null;
        lock (sync)
        {
            if (--shared == 0)
            {
                (done, drained) = (drained, null);
            }
        }
        done?.TrySetResult();
    }

    /// <summary>Leaves the run entered.</summary>
    internal readonly record struct Release(AloneRuns Gate, bool Alone) : IDisposable
    {
        public void Dispose() => Gate.Exit(Alone);
    }
}
