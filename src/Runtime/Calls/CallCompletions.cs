using System.Collections.Concurrent;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// In-process signals from the call worker to the API requests waiting for the same call, so a call computed in the
/// process that accepted it is answered the moment it is done (no polling delay). Calls computed elsewhere are found
/// by polling <see cref="CallLedger"/>.
/// </summary>
public sealed class CallCompletions
{
    private readonly ConcurrentDictionary<(string Job, string RequestId), TaskCompletionSource<CallAnswer>> waiting = new();

    /// <summary>Requests currently waited for in this process.</summary>
    public int Waiting => waiting.Count;

    /// <summary>A task completing with the answer of the request if it is computed in this process.</summary>
    public Task<CallAnswer> Register(string job, string requestId) =>
        waiting.GetOrAdd((job, requestId), _ => new TaskCompletionSource<CallAnswer>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Stops waiting for the request here (the waiter got its answer elsewhere or gave up).</summary>
    public void Forget(string job, string requestId, Task<CallAnswer> registered)
    {
        if (waiting.TryGetValue((job, requestId), out var source) && source.Task == registered)
        {
            waiting.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource<CallAnswer>>((job, requestId), source));
        }
    }

    /// <summary>Hands the answer to whoever waits for it in this process.</summary>
    public void Complete(CallAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (waiting.TryRemove((answer.Job, answer.RequestId), out var source))
        {
            source.TrySetResult(answer);
        }
    }
}
