using System.Diagnostics;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// Interrupts calls that run past their deadline by raising TimeoutError in their thread (an async exception).
/// Takes the GIL only when a deadline has passed. The interrupt lands at the next bytecode boundary: pure-Python
/// loops stop; C code (a long <c>time.sleep</c>, a numpy kernel) runs to its end first; logic that catches and
/// ignores the TimeoutError gets a KeyboardInterrupt (a BaseException) every 100 ms after.
/// </summary>
internal sealed class Watchdog
{
    private static readonly long RefireTicks = Stopwatch.Frequency / 10;
    private readonly Func<IEnumerable<Worker>> _workers;
    private readonly TimeSpan _period;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="workers">The workers to watch, read at every check (lanes add and remove extra workers).</param>
    /// <param name="period">How often deadlines are checked.</param>
    public Watchdog(Func<IEnumerable<Worker>> workers, TimeSpan period)
    {
        _workers = workers;
        _period = period;
        _thread = new Thread(Run) { IsBackground = true, Name = "python-watchdog" };
    }

    /// <summary>How many interrupts were raised.</summary>
    public long Interrupts { get; private set; }

    public void Start() => _thread.Start();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _stopped.Task.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Run()
    {
        try
        {
            using (Py.GIL()) // this thread's Python thread state, kept for the thread's life
            {
                var state = PythonEngine.BeginAllowThreads();
                try
                {
                    Watch(ref state);
                }
                finally
                {
                    PythonEngine.EndAllowThreads(state);
                }
            }
        }
        finally
        {
            _stopped.SetResult();
        }
    }

    private void Watch(ref IntPtr state)
    {
        while (!_stop.Token.WaitHandle.WaitOne(_period))
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var worker in _workers())
            {
                var deadline = worker.Deadline;
                if (deadline == 0 || now < deadline)
                {
                    continue;
                }
                PythonEngine.EndAllowThreads(state);
                try
                {
                    if (worker.InterruptIfLate(Stopwatch.GetTimestamp(), RefireTicks))
                    {
                        Interrupts++;
                    }
                }
                catch (PythonException ex)
                {
                    // Not expected (the SDK's interrupt helper catches nothing it could raise); keep watching.
                    Trace.TraceError($"PyBridge watchdog: interrupting {worker.Name} failed: {ex.Message}");
                }
                finally
                {
                    state = PythonEngine.BeginAllowThreads();
                }
            }
        }
    }
}
