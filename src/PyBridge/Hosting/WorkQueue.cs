using System.Collections.Concurrent;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// A lane's queue: many producers, a few worker threads. A producer signals only when a worker sleeps, so a busy
/// worker takes work without a lock or a semaphore (a <see cref="BlockingCollection{T}"/> takes its semaphore's lock
/// on both sides for every item: measured ~4% of a saturated latency worker's time at 64 calls in flight).
/// </summary>
/// <remarks>
/// A sleeping worker counts itself in <c>_sleepers</c> before its last look at the queue; a producer that enqueued
/// claims one sleeper (decrements the count) and releases the semaphore once for it. So the semaphore never holds more
/// releases than there are workers, and no item waits while a worker sleeps.
/// </remarks>
internal sealed class WorkQueue
{
    private readonly ConcurrentQueue<PyWork> _items = new();
    private readonly SemaphoreSlim _wake = new(0);
    private int _sleepers;
    private volatile bool _completed;

    /// <summary>Whether <see cref="Complete"/> was called and every item was taken.</summary>
    public bool IsCompleted => _completed && _items.IsEmpty;

    /// <summary>Queues <paramref name="work"/>; false once the queue is completed.</summary>
    public bool TryAdd(PyWork work)
    {
        if (_completed)
        {
            return false;
        }
        _items.Enqueue(work);
        WakeOne();
        return true;
    }

    /// <summary>Takes an item if one is queued, without waiting.</summary>
    public bool TryTake(out PyWork work) => _items.TryDequeue(out work!);

    /// <summary>
    /// Takes the next item, waiting up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: until
    /// one comes or the queue completes); false on time-out or once the queue is completed and empty.
    /// </summary>
    public bool TryTake(out PyWork work, TimeSpan timeout)
    {
        while (true)
        {
            if (_items.TryDequeue(out work!))
            {
                return true;
            }
            Interlocked.Increment(ref _sleepers); // a full fence: the look below sees any item enqueued before a producer read the count
            if (_items.TryDequeue(out work!) || _completed)
            {
                Unregister();
                if (work is not null)
                {
                    return true;
                }
                if (_items.IsEmpty)
                {
                    return false;
                }
                continue;
            }
            if (!_wake.Wait(timeout))
            {
                Unregister();
                return TryTake(out work);
            }
        }
    }

    /// <summary>Stops accepting items and wakes every sleeping worker; items already queued are still taken.</summary>
    public void Complete()
    {
        _completed = true;
        var sleepers = Interlocked.Exchange(ref _sleepers, 0);
        if (sleepers > 0)
        {
            _wake.Release(sleepers);
        }
    }

    private void WakeOne()
    {
        // Interlocked read (a full fence): the enqueue above is visible before the count is read.
        var sleepers = Interlocked.CompareExchange(ref _sleepers, 0, 0);
        while (sleepers > 0)
        {
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                _wake.Release();
                return;
            }
            sleepers = seen;
        }
    }

    /// <summary>
    /// A worker that counted itself as sleeping does not sleep after all: it takes itself off the count, or, when a
    /// producer already claimed it, takes the release that producer made (which is on its way).
    /// </summary>
    /// <remarks>
    /// Counts and releases are not addressed to a worker: another worker going to sleep may take the release that was
    /// meant for this one, and its own count then stands for this worker. So this never blocks on the semaphore (a worker
    /// that blocked here held the item it had just taken until some later producer released again: a lane with two
    /// workers and a quiet producer hung with one call taken and never run). It takes whichever comes first, a count
    /// or a release; every registered worker is either in the count or owed a release, so one of the two is there or
    /// a few instructions away (a producer between its claim and its release).
    /// </remarks>
    private void Unregister()
    {
        var spinner = new SpinWait();
        while (true)
        {
            var sleepers = Volatile.Read(ref _sleepers);
            while (sleepers > 0)
            {
                var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
                if (seen == sleepers)
                {
                    return;
                }
                sleepers = seen;
            }
            if (_wake.Wait(0))
            {
                return;
            }
            spinner.SpinOnce();
        }
    }
}
