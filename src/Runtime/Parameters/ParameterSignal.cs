namespace FeaturePlatform.Runtime.Parameters;

/// <summary>Wakes this process's <see cref="ParameterSync"/> loop when a change was stored here (others are found by polling).</summary>
public sealed class ParameterSignal
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Signals a change.</summary>
    public void Pulse() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next <see cref="Pulse"/>; take it before reading the store so no change is missed.</summary>
    public Task Next => Volatile.Read(ref next).Task;
}
