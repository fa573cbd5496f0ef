using System.Collections.Concurrent;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>A queue served by dedicated <see cref="Worker"/> threads.</summary>
internal sealed class Lane
{
    private readonly BlockingCollection<PyWork> _queue = new(new ConcurrentQueue<PyWork>());
    private readonly int _maxPerHold;

    public Lane(string name, int workers, int maxPerHold, PythonRuntime runtime)
    {
        _maxPerHold = Math.Max(1, maxPerHold);
        Workers = Enumerable.Range(0, Math.Max(1, workers)).Select(i => new Worker(this, runtime, $"{name}-{i}")).ToList();
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

    /// <summary>
    /// The worker loop: single crossings queued together are taken in one go and share one GIL hold (and, for calls
    /// of one job, one crossing). Only work already queued is taken: nothing waits for company.
    /// </summary>
    public void Serve(Worker worker)
    {
        var taken = new List<PyWork>(_maxPerHold);
        foreach (var work in _queue.GetConsumingEnumerable())
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
            try
            {
                for (var i = 0; i < taken.Count;)
                {
                    if (taken[i].IsSingleCrossing)
                    {
                        i += taken[i].RunLocked(worker, taken, i);
                        continue;
                    }
                    worker.Exit();
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
                worker.Exit();
                taken.Clear();
            }
        }
    }
}
