using System.Collections.Concurrent;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// In-process signals from the call worker to the API requests waiting for the same call, so a call computed in the
/// process that accepted it is answered the moment it is done (no polling delay), and a waiter whose call this
/// process's worker has taken on does not poll <see cref="CallLedger"/> at all. Calls computed elsewhere are found by
/// polling <see cref="CallLedger"/>.
/// </summary>
public sealed class CallCompletions
{
    private readonly ConcurrentDictionary<(string Job, string RequestId), Waiter> waiting = new();

    /// <summary>Requests currently waited for in this process.</summary>
    public int Waiting => waiting.Count;

    /// <summary>A task completing with the answer of the request if it is computed in this process.</summary>
    public Task<CallAnswer> Register(string job, string requestId) => waiting.GetOrAdd((job, requestId), _ => new Waiter()).Answer.Task;

    /// <summary>Stops waiting for the request here (the waiter got its answer elsewhere or gave up).</summary>
    public void Forget(string job, string requestId, Task<CallAnswer> registered)
    {
        if (waiting.TryGetValue((job, requestId), out var waiter) && waiter.Answer.Task == registered)
        {
            waiting.TryRemove(new KeyValuePair<(string, string), Waiter>((job, requestId), waiter));
        }
    }

    /// <summary>
    /// This process's worker took the call on: until <see cref="Complete"/> or <see cref="Abandoned"/>, its answer
    /// comes through <see cref="Register"/>'s task, so a waiter here need not poll the ledger.
    /// </summary>
    public void Started(string job, string requestId)
    {
        if (waiting.TryGetValue((job, requestId), out var waiter))
        {
            Interlocked.Increment(ref waiter.RunningHere);
        }
    }

    /// <summary>This process's worker stopped working on the call without an answer (it failed): waiters poll again.</summary>
    public void Abandoned(string job, string requestId)
    {
        if (waiting.TryGetValue((job, requestId), out var waiter))
        {
            Interlocked.Decrement(ref waiter.RunningHere);
        }
    }

    /// <summary>Whether this process's worker is computing the request right now (its answer will be signalled here).</summary>
    public bool RunningHere(string job, string requestId) =>
        waiting.TryGetValue((job, requestId), out var waiter) && Volatile.Read(ref waiter.RunningHere) > 0;

    /// <summary>Hands the answer to whoever waits for it in this process.</summary>
    public void Complete(CallAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (waiting.TryRemove((answer.Job, answer.RequestId), out var waiter))
        {
            waiter.Answer.TrySetResult(answer);
        }
    }

    private sealed class Waiter
    {
        public readonly TaskCompletionSource<CallAnswer> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Deliveries of the call this process's worker is running (more than one only when it was delivered twice).</summary>
        public int RunningHere;
    }
}
