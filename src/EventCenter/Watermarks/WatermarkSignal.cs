namespace FeaturePlatform.EventCenter.Watermarks;

/// <summary>
/// In-process notification that watermarks moved, so waiters in the same process wake at once instead of at
/// their next poll. Waiters take <see cref="Current"/> before reading the watermark, then await it.
/// </summary>
public sealed class WatermarkSignal
{
    private TaskCompletionSource current = NewSource();

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Current => Volatile.Read(ref current).Task;

    /// <summary>Wakes every waiter.</summary>
    public void Pulse() => Interlocked.Exchange(ref current, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
