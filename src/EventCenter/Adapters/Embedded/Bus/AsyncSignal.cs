
namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>Wakes every waiter when new data was committed; waiters take <see cref="Current"/> before checking for data.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource current = NewSource();

    public Task Current => Volatile.Read(ref current).Task;

    public void Pulse() => Interlocked.Exchange(ref current, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
