using System.Collections.Concurrent;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>A queue served by dedicated <see cref="Worker"/> threads.</summary>
internal sealed class Lane
{
    private readonly BlockingCollection<PyWork> _queue = new(new ConcurrentQueue<PyWork>());
    private readonly int _maxPerHold;

    public Lane(string name, int workers, int maxPerHold)
    {
        _maxPerHold = Math.Max(1, maxPerHold);
        Workers = Enumerable.Range(0, Math.Max(1, workers)).Select(i => new Worker(this, $"{name}-{i}")).ToList();
    }

    public IReadOnlyList<Worker> Workers { get; }

    public async Task StartAsync()
    {
        foreach (var w in Workers)
        {
            w.Start();
        }
        await Task.WhenAll(Workers.Select(w => w.Started)).ConfigureAwait(false);
    }

    public void Post(PyWork work)
    {
        try
        {
            _queue.Add(work);
        }
        catch (InvalidOperationException)
        {
            work.Abandon(new ObjectDisposedException(nameof(PythonHost), "the Python host is stopping"));
        }
    }

    public async Task StopAsync()
    {
        _queue.CompleteAdding();
        await Task.WhenAll(Workers.Select(w => w.Stopped)).ConfigureAwait(false);
    }

    /// <summary>The worker loop: single crossings queued together share one GIL hold.</summary>
    public void Serve(Worker worker)
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            if (!work.IsSingleCrossing)
            {
                work.Run(worker);
                continue;
            }
            worker.Enter();
            try
            {
                work.RunLocked(worker);
                for (var n = 1; n < _maxPerHold && _queue.TryTake(out var next); n++)
                {
                    if (next.IsSingleCrossing)
                    {
                        next.RunLocked(worker);
                    }
                    else
                    {
                        worker.Exit();
                        try
                        {
                            next.Run(worker);
                        }
                        finally
                        {
                            worker.Enter();
                        }
                    }
                }
            }
            finally
            {
                worker.Exit();
            }
        }
    }
}
