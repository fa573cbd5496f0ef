namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>A unit of work for a lane.</summary>
internal abstract class PyWork
{
    /// <summary>
    /// True when the work is one short crossing that runs with the GIL already held (<see cref="RunLocked(Worker)"/>);
    /// false when it manages the GIL itself (<see cref="Run"/>), e.g. a chunked batch.
    /// </summary>
    public virtual bool IsSingleCrossing => true;

    /// <summary>Runs with the GIL held. Must not throw: failures complete the work's task.</summary>
    public virtual void RunLocked(Worker worker) => throw new NotSupportedException();

    /// <summary>
    /// Runs with the GIL held as the item at <paramref name="start"/> of the work a worker took in one go; may run
    /// the single crossings that follow it too (coalescing). Returns how many items it ran (at least 1). Must not throw.
    /// </summary>
    public virtual int RunLocked(Worker worker, List<PyWork> taken, int start)
    {
        RunLocked(worker);
        return 1;
    }

    /// <summary>Runs without the GIL (takes it as needed). Must not throw.</summary>
    public virtual void Run(Worker worker) => throw new NotSupportedException();

    /// <summary>Completes the work's task with an error (host shutting down).</summary>
    public abstract void Abandon(Exception reason);
}
