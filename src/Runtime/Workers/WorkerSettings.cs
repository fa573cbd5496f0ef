namespace FeaturePlatform.Runtime.Workers;

/// <summary>Where job logic runs (setting <c>Runtime:Workers:Mode</c>).</summary>
public enum WorkerMode
{
    /// <summary>In supervised worker processes (the default): author code never runs in the API process.</summary>
    Process,

    /// <summary>In this process's embedded interpreter (unit tests and the in-process benchmark baseline).</summary>
    InProcess,
}

/// <summary>
/// The runtime's worker processes (section <c>Runtime:Workers</c>): each job has its own workers (its own lane, so a
/// slow or crashing job never holds another back), started on first use by the host and replaced when they exit,
/// crash, stop answering, or break a hard limit. See docs/workers.md.
/// </summary>
public sealed record WorkerSettings
{
    /// <summary>Process (default) or InProcess.</summary>
    public WorkerMode Mode { get; init; } = WorkerMode.Process;

    /// <summary>Worker processes per job (live, replay, repair and calls of the job share them). Default: 1.</summary>
    public int PerJob { get; init; } = 1;

    /// <summary>
    /// Resident memory (MiB) a worker may use; above it the host kills the worker and the running events count as failed
    /// attempts. 0: no limit. Default: 1024.
    /// </summary>
    public int MemoryLimitMb { get; init; } = 1024;

    /// <summary>
    /// How long a computation may run past its CPU timeout (<c>Runtime:Python:CallTimeout</c>) after the watchdog's
    /// interrupt before the host kills its worker (logic that swallows interrupts, C code holding the GIL). Default: 2 s.
    /// </summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a worker reports that it is alive. Default: 200 ms.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A worker silent for this long is killed and replaced. Default: 10 s.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a worker may take to start (runtime, interpreter) and connect. Default: 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long importing a job module may take (its module-level code) in the worker that loads job declarations for
    /// the host; past it that worker is killed and the module fails to load with the reason. Default: 30 s.
    /// </summary>
    public TimeSpan ImportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Host threads per worker that serve its reads which may wait (consistency waits, store I/O) from a data source that
    /// reads only synchronously; the event center's reads are served asynchronously, on none of these. Default: 4.
    /// </summary>
    public int ReadThreads { get; init; } = 4;

    /// <summary>
    /// Whether a worker keeps the settled fetch answers of a replay run (the host's settled-state cache entries, each with
    /// the as-of range it holds for) and answers the run's later fetches in those ranges itself rather than crossing to
    /// the host for each. Costs worker memory: at most 4 runs × 100,000 entries. Default: true.
    /// </summary>
    public bool KeepSettledReads { get; init; } = true;

    /// <summary>
    /// The program that runs a worker: null (the default) runs this platform's own binary
    /// (<see cref="EntryAssembly"/> next to the runtime's assemblies) with <c>dotnet</c>; else an executable taking the
    /// same arguments (<c>worker --socket PATH</c>).
    /// </summary>
    public string? Command { get; init; }

    /// <summary>The platform binary a worker runs when <see cref="Command"/> is null. Default: FeaturePlatform.FeatureApi.dll.</summary>
    public string EntryAssembly { get; init; } = "FeaturePlatform.FeatureApi.dll";

    internal void Validate()
    {
        if (PerJob is < 1 or > 64)
        {
            throw new ArgumentException("Runtime:Workers:PerJob must be within 1..64 (default 1).");
        }
        if (MemoryLimitMb < 0 || (MemoryLimitMb is > 0 and < 128))
        {
            throw new ArgumentException("Runtime:Workers:MemoryLimitMb must be 0 (no limit) or at least 128 (default 1024): a worker's runtime and interpreter need about 100 MiB.");
        }
        if (KillGrace <= TimeSpan.Zero || HeartbeatInterval <= TimeSpan.Zero || StartTimeout <= TimeSpan.Zero || ImportTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Workers: KillGrace, HeartbeatInterval, StartTimeout and ImportTimeout must be positive (defaults 00:00:02, 00:00:00.200, 00:01:00, 00:00:30).");
        }
        if (HeartbeatTimeout < 5 * HeartbeatInterval)
        {
            throw new ArgumentException("Runtime:Workers:HeartbeatTimeout must be at least 5 × HeartbeatInterval (defaults 00:00:10 and 00:00:00.200).");
        }
        if (ReadThreads is < 1 or > 256)
        {
            throw new ArgumentException("Runtime:Workers:ReadThreads must be within 1..256 (default 4).");
        }
        if (string.IsNullOrWhiteSpace(EntryAssembly))
        {
            throw new ArgumentException("Runtime:Workers:EntryAssembly must not be empty (default FeaturePlatform.FeatureApi.dll).");
        }
    }
}
