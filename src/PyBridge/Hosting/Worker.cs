using System.Diagnostics;
using FeaturePlatform.PyBridge.Jobs;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// A dedicated thread with one long-lived Python thread state. Holds the GIL only while it runs Python; the
/// watchdog reads its call record to interrupt runaway logic.
/// </summary>
internal sealed class Worker
{
    private readonly Lane _lane;
    private readonly PythonRuntime _runtime;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IntPtr _threadState;
    private long _deadline;
    private long _armed;
    private long _pausedRemaining;
    private int _fired;
    private PyObject? _cutControl;
    private readonly List<(Action<object?> Action, object? State)> _deferred = [];

    public Worker(Lane lane, PythonRuntime runtime, string name, bool extra)
    {
        _lane = lane;
        IsExtra = extra;
        _runtime = runtime;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        Scope = new DataBridge.CallScope { Owner = this };
    }

    /// <summary>The lane this worker serves.</summary>
    public Lane Lane => _lane;

    /// <summary>The work this worker took in one go and is running (its thread only); null between takes.</summary>
    public List<PyWork>? Taken { get; set; }

    /// <summary>Index in <see cref="Taken"/> of the first item not started yet (a read that waits hands those back).</summary>
    public int NextTaken { get; set; }

    /// <summary>Whether the lane started this worker while others waited in reads (it stops when idle).</summary>
    public bool IsExtra { get; }

    /// <summary>Python's id of this thread (<c>threading.get_ident()</c>, what async exceptions are aimed at).</summary>
    public ulong PythonThreadId { get; private set; }

    public DataBridge.CallScope Scope { get; }

    /// <summary>
    /// Runs <paramref name="action"/> on this thread once it no longer holds the GIL: after the work it took in one go,
    /// before a batch, or as a read starts to wait (see <see cref="RunDeferred"/>). Completions handed over this way cost
    /// no thread-pool hop (a thread woken for each crossing's callers), and never run under the GIL, as they may do I/O.
    /// </summary>
    public void Defer(Action<object?> action, object? state) => _deferred.Add((action, state));

    /// <summary>Runs what <see cref="Defer"/> queued (this thread, GIL released).</summary>
    public void RunDeferred()
    {
        for (var i = 0; i < _deferred.Count; i++)
        {
            var (action, state) = _deferred[i];
            action(state);
        }
        _deferred.Clear();
    }

    /// <summary>This thread's cut list for shared call crossings (<see cref="CrossingCut"/>), made on first use with the GIL held.</summary>
    public PyObject CutControl => _cutControl ??= CrossingCut.NewControl();

    /// <summary>The thread's name (diagnostics).</summary>
    public string Name => _thread.Name ?? "";

    public JsonBuffer Json { get; } = new();

    public Task Started => _started.Task;

    public Task Stopped => _stopped.Task;

    /// <summary>Stopwatch ticks after which the watchdog interrupts the running call; 0 when none runs.</summary>
    public long Deadline => Volatile.Read(ref _deadline);

    public void Start() => _thread.Start();

    /// <summary>Takes the GIL (with this thread's own long-lived thread state).</summary>
    public void Enter() => PythonEngine.EndAllowThreads(_threadState);

    /// <summary>Releases the GIL.</summary>
    public void Exit() => _threadState = PythonEngine.BeginAllowThreads();

    /// <summary>Starts the timeout clock of a call. GIL held.</summary>
    public void Arm(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _armed, deadline);
        Volatile.Write(ref _deadline, deadline);
    }

    /// <summary>
    /// How long the running call is past its deadline (zero when none runs or it is within it; reads paused). Read
    /// without the GIL, so it grows while C code holds the GIL and the watchdog cannot interrupt it.
    /// </summary>
    public TimeSpan Overdue(long now)
    {
        var armed = Volatile.Read(ref _armed);
        return armed == 0 || now <= armed ? TimeSpan.Zero : Stopwatch.GetElapsedTime(armed, now);
    }

    /// <summary>
    /// Stops the clock while the call waits outside Python (a data read); GIL held, so the watchdog, which interrupts
    /// with the GIL held, never sees a half-updated deadline. Returns the ticks left (0: no clock was running).
    /// </summary>
    public long PauseDeadline()
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == 0)
        {
            return 0;
        }
        Volatile.Write(ref _deadline, 0);
        var now = Stopwatch.GetTimestamp();
        var armed = Volatile.Read(ref _armed);
        _pausedRemaining = armed == 0 ? 0 : armed - now;
        Volatile.Write(ref _armed, 0);
        return Math.Max(1, deadline - now);
    }

    /// <summary>Restarts the clock with <paramref name="remaining"/> ticks left (from <see cref="PauseDeadline"/>). GIL held.</summary>
    public void ResumeDeadline(long remaining)
    {
        if (remaining > 0)
        {
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _armed, now + _pausedRemaining);
            Volatile.Write(ref _deadline, now + remaining);
        }
    }

    /// <summary>Stops the clock and drops an interrupt that was raised too late to matter. GIL held. True if it fired.</summary>
    public bool Disarm()
    {
        Volatile.Write(ref _deadline, 0);
        Volatile.Write(ref _armed, 0);
        if (_fired == 0)
        {
            return false;
        }
        _fired = 0;
        try
        {
            using var id = new PyInt(PythonThreadId);
            _runtime.ClearInterrupt.Invoke(id).Dispose();
        }
        catch (PythonException)
        {
            // The pending interrupt fired on entry to clear_interrupt: raising it consumed it.
        }
        return true;
    }

    /// <summary>Called by the watchdog with the GIL held: interrupts the call if it is still over its deadline.</summary>
    public bool InterruptIfLate(long now, long refireTicks)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == 0 || now < deadline)
        {
            return false;
        }
        // First a TimeoutError the logic may handle; if it swallows that and keeps running, a KeyboardInterrupt,
        // which `except Exception`/`except TimeoutError` do not catch, so the call really ends. pythonnet's Interrupt
        // raises KeyboardInterrupt only; TimeoutError comes from the SDK (ctypes), or KeyboardInterrupt without ctypes.
        if (_fired != 0 || !RaiseTimeoutError())
        {
            PythonEngine.Interrupt(PythonThreadId);
        }
        _fired = 1;
        Volatile.Write(ref _deadline, now + refireTicks); // logic that swallows the interrupt gets another one
        return true;
    }

    private bool RaiseTimeoutError()
    {
        using var id = new PyInt(PythonThreadId);
        using var raised = _runtime.Interrupt.Invoke(id);
        return raised.IsTrue();
    }

    private void Run()
    {
        Py.GILState? gil = null;
        try
        {
            gil = Py.GIL(); // creates this thread's Python thread state, kept for the thread's life
            PythonThreadId = PythonEngine.GetPythonThreadID();
            _threadState = PythonEngine.BeginAllowThreads();
            DataBridge.Current = Scope;
        }
        catch (Exception ex)
        {
            gil?.Dispose(); // on this thread: an undisposed GILState throws from its finalizer
            _started.SetException(ex);
            _stopped.SetResult();
            return;
        }
        _started.SetResult();
        try
        {
            _lane.Serve(this);
        }
        finally
        {
            Enter();
            gil.Dispose();
            _stopped.SetResult();
        }
    }
}
