using System.Collections.Concurrent;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// The batches of this process being computed and not yet recorded, by when they started: a repair of an event stored
/// at time T first waits until every batch that started before T has recorded its reads, so a computation that read
/// before the event was stored is always found, however long its batch took.
/// </summary>
public sealed class InFlightBatches(TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, long> started = new();
    private long next;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A batch starts computing; returns its token for <see cref="End"/>.</summary>
    public long Begin()
    {
        var token = Interlocked.Increment(ref next);
        started[token] = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return token;
    }

    /// <summary>The batch <paramref name="token"/> recorded its reads (or failed).</summary>
    public void End(long token)
    {
        if (started.TryRemove(token, out _))
        {
            Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Completes when no batch that started before <paramref name="time"/> (ms) is still being computed.</summary>
    public async Task WaitForBatchesStartedBeforeAsync(long time, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref changed).Task;
            if (!started.Values.Any(s => s < time))
            {
                return;
            }
            await signal.WaitAsync(cancellationToken);
        }
    }
}
