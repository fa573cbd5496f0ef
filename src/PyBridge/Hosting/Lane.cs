namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>A queue served by dedicated <see cref="Worker"/> threads.</summary>
/// <remarks>
/// A lane created with <c>maxExtraWorkers</c> &gt; 0 keeps <c>workers</c> threads free to run Python however many of
/// its threads wait in a data read (<see cref="DataBridge.CallScope.WithoutGil"/>): when a read starts to wait and
/// fewer than <c>workers</c> threads are left, an extra worker starts (at most <c>maxExtraWorkers</c> of them). So one call
/// waiting in a fetch (e.g. a strong-consistency wait) never holds up the calls queued behind it.
/// <para>Once the reads end, an extra worker that is not needed (more than <c>workers</c> threads free) parks before it
/// takes more work: it is no longer woken for queued calls, and only a read that starts to wait brings it back. It stops
/// when parked for <see cref="ExtraIdleTimeout"/>. Without parking, every free thread took its turn at the queue: after a
/// burst of waiting reads, dozens of threads each woke (a futex wake, a spin, a GIL hand-over) for one call in turn, and
/// none stayed idle long enough to stop — measured at 37 µs of worker CPU per call instead of about 7.</para>
/// </remarks>
internal sealed class Lane
{
    /// <summary>How long an extra worker stays without work before it stops.</summary>
    internal static readonly TimeSpan ExtraIdleTimeout = TimeSpan.FromSeconds(10);

    private readonly WorkQueue _queue = new();
    private readonly SemaphoreSlim _unpark = new(0);
    private readonly Lock _lock = new();
    private readonly string _name;
    private readonly int _baseWorkers;
    private readonly int _maxExtraWorkers;
    private readonly int _maxPerHold;
    private readonly PythonRuntime _runtime;
    private volatile Worker[] _workers;
    private int _waitingInReads;
    private int _extraStarted;
    private int _parked; // under _lock: parked extra workers not yet claimed by a read (each claim releases _unpark once)
    private bool _stopping;

    public Lane(string name, int workers, int maxPerHold, PythonRuntime runtime, int maxExtraWorkers = 0)
    {
        _name = name;
        _runtime = runtime;
        _maxPerHold = Math.Max(1, maxPerHold);
        _baseWorkers = Math.Max(1, workers);
        _maxExtraWorkers = Math.Max(0, maxExtraWorkers);
        _workers = Enumerable.Range(0, _baseWorkers).Select(i => new Worker(this, runtime, $"{name}-{i}", extra: false)).ToArray();
    }

    /// <summary>The lane's current threads (a snapshot; extra workers come and go).</summary>
    public IReadOnlyList<Worker> Workers => _workers;

    /// <summary>Threads currently waiting in a data read with the GIL released.</summary>
    public int WaitingInReads => Volatile.Read(ref _waitingInReads);

    public async Task StartAsync()
    {
        foreach (var w in _workers)
        {
            w.Start();
        }
        await Task.WhenAll(_workers.Select(w => w.Started)).ConfigureAwait(false);
    }

    public void Post(PyWork work)
    {
        if (!_queue.TryAdd(work))
        {
            work.Abandon(Stopping());
        }
    }

    public async Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
            if (_parked > 0)
            {
                _unpark.Release(_parked);
                _parked = 0;
            }
        }
        _queue.Complete();
        await Task.WhenAll(_workers.Select(w => w.Stopped)).ConfigureAwait(false);
        // Work a producer queued as the lane completed: nobody runs it now.
        while (_queue.TryTake(out var left))
        {
            left.Abandon(Stopping());
        }
    }

    /// <summary>
    /// <paramref name="worker"/> starts waiting in a read (GIL released; called on its thread): the work it took but has
    /// not started goes back to the queue (the calls after the reading one in a shared crossing too, see
    /// <see cref="CrossingCut"/>), and enough other threads are kept free to run it.
    /// </summary>
    internal void ReadWaitStarted(Worker worker)
    {
        if (worker.Taken is { } taken && worker.NextTaken < taken.Count)
        {
            for (var i = worker.NextTaken; i < taken.Count; i++)
            {
                if (!_queue.TryAdd(taken[i])) // already counted by the gate: not Post
                {
                    taken[i].Abandon(Stopping());
                }
            }
            taken.RemoveRange(worker.NextTaken, taken.Count - worker.NextTaken);
        }
        worker.Scope.Cut?.HandBack(call =>
        {
            if (!_queue.TryAdd(call)) // already counted by the gate: not Post
            {
                call.Abandon(Stopping());
            }
        });
        worker.RunDeferred(); // calls that finished before this read are answered now, not after it
        Interlocked.Increment(ref _waitingInReads);
        if (_maxExtraWorkers == 0)
        {
            return;
        }
        lock (_lock)
        {
            var workers = _workers;
            if (_stopping || Free(workers) >= _baseWorkers)
            {
                return;
            }
            if (_parked > 0)
            {
                _parked--;
                _unpark.Release();
                return;
            }
            if (workers.Length - _baseWorkers >= _maxExtraWorkers)
            {
                return;
            }
            var extra = new Worker(this, _runtime, $"{_name}-x{++_extraStarted}", extra: true);
            _workers = [.. workers, extra];
            extra.Start();
        }
    }

    /// <summary>The read of <see cref="ReadWaitStarted"/> returned.</summary>
    internal void ReadWaitEnded() => Interlocked.Decrement(ref _waitingInReads);

    /// <summary>Threads free to take work: neither waiting in a read nor parked. Under <c>_lock</c>.</summary>
    private int Free(Worker[] workers) => workers.Length - Volatile.Read(ref _waitingInReads) - _parked;

    /// <summary>Whether an idle extra worker may stop: enough other threads are free without it.</summary>
    private bool TryRetire(Worker worker)
    {
        lock (_lock)
        {
            var workers = _workers;
            if (Free(workers) - 1 < _baseWorkers)
            {
                return false;
            }
            _workers = workers.Where(w => !ReferenceEquals(w, worker)).ToArray();
            return true;
        }
    }

    /// <summary>
    /// An extra worker not needed (more than the lane's base count free) parks until a read that starts to wait claims it;
    /// false when it stays parked for <see cref="ExtraIdleTimeout"/> and stops (it is then no longer a lane worker).
    /// </summary>
    private bool ParkIfSurplus(Worker worker)
    {
        lock (_lock)
        {
            if (_stopping || Free(_workers) <= _baseWorkers)
            {
                return true;
            }
            _parked++;
        }
        if (_unpark.Wait(ExtraIdleTimeout))
        {
            return true; // claimed (the claim took it off the parked count)
        }
        lock (_lock)
        {
            if (_unpark.Wait(0))
            {
                return true; // claimed as the wait timed out
            }
            _parked--;
            _workers = _workers.Where(w => !ReferenceEquals(w, worker)).ToArray();
            return false;
        }
    }

    /// <summary>
    /// The worker loop: single crossings queued together are taken in one go and share one GIL hold (and, for calls
    /// of one job, one crossing). Only work already queued is taken: nothing waits for company.
    /// </summary>
    public void Serve(Worker worker)
    {
        var taken = new List<PyWork>(_maxPerHold);
        while (Take(worker, out var work))
        {
            if (!work.IsSingleCrossing)
            {
                work.Run(worker);
                continue;
            }
            taken.Add(work);
            while (taken.Count < _maxPerHold && _queue.TryTake(out var next))
            {
                taken.Add(next);
            }
            worker.Enter();
            worker.Taken = taken;
            try
            {
                for (var i = 0; i < taken.Count;)
                {
                    worker.NextTaken = i + 1;
                    if (taken[i].IsSingleCrossing)
                    {
                        i += taken[i].RunLocked(worker, taken, i);
                        continue;
                    }
                    worker.Exit();
                    worker.RunDeferred();
                    try
                    {
                        taken[i++].Run(worker);
                    }
                    finally
                    {
                        worker.Enter();
                    }
                }
            }
            finally
            {
                worker.Taken = null;
                worker.Exit();
                taken.Clear();
                worker.RunDeferred();
            }
        }
    }

    /// <summary>The next work item; false when the lane stops (or an idle extra worker retires).</summary>
    private bool Take(Worker worker, out PyWork work)
    {
        while (true)
        {
            if (!worker.IsExtra)
            {
                return _queue.TryTake(out work, Timeout.InfiniteTimeSpan);
            }
            if (!ParkIfSurplus(worker))
            {
                work = null!;
                return false;
            }
            if (_queue.TryTake(out work, ExtraIdleTimeout))
            {
                return true;
            }
            if (_queue.IsCompleted || TryRetire(worker))
            {
                return false;
            }
        }
    }

    private static ObjectDisposedException Stopping() => new(nameof(PythonHost), "the Python host is stopping");
}
