namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// Counts single calls that are queued or running; the bulk lane waits for none before it takes the GIL for its
/// next chunk, so batches fill the gaps between single calls instead of delaying them.
/// </summary>
internal sealed class PriorityGate : IDisposable
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _idle = new(true);
    private int _pending;

    public void Enter()
    {
        lock (_lock)
        {
            if (_pending++ == 0)
            {
                _idle.Reset();
            }
        }
    }

    public void Exit() => Exit(1);

    /// <summary>Ends <paramref name="count"/> calls at once.</summary>
    public void Exit(int count)
    {
        lock (_lock)
        {
            if ((_pending -= count) == 0)
            {
                _idle.Set();
            }
        }
    }

    /// <summary>Blocks the (dedicated) bulk thread until no single call is pending, or for at most <paramref name="limit"/>.</summary>
    public void WaitForIdle(TimeSpan limit) => _idle.Wait(limit);

    public void Dispose() => _idle.Dispose();
}
