namespace FeaturePlatform.PyBridge;

/// <summary>Settings of a <see cref="PythonHost"/>. Every property has a documented default.</summary>
public sealed record PythonHostOptions
{
    /// <summary>Environment variable naming the Python executable (overridden by <see cref="PythonExecutable"/>).</summary>
    public const string ExecutableVariable = "FEATUREPLATFORM_PYTHON";

    /// <summary>Environment variable naming libpython (overridden by <see cref="LibraryPath"/>).</summary>
    public const string LibraryVariable = "FEATUREPLATFORM_LIBPYTHON";

    /// <summary>Debian's interpreter, the default: it sees Debian's python3-numpy and friends.</summary>
    public const string DefaultExecutable = "/usr/bin/python3";

    /// <summary>
    /// The Python executable whose stdlib and site-packages the embedded interpreter uses. Default: the
    /// <c>FEATUREPLATFORM_PYTHON</c> environment variable, else <c>/usr/bin/python3</c>.
    /// </summary>
    public string? PythonExecutable { get; init; }

    /// <summary>
    /// The libpython shared library. Default: <c>FEATUREPLATFORM_LIBPYTHON</c>, else asked from the executable
    /// (sysconfig LIBDIR/INSTSONAME; it must have been built with --enable-shared).
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>
    /// Directory holding the <c>featureplatform</c> SDK package. Default: <c>python/</c> next to this assembly
    /// (the build copies it there).
    /// </summary>
    public string? SdkDirectory { get; init; }

    /// <summary>
    /// The project's library path: directories whose Python modules jobs import as their own code (besides the jobs
    /// directory itself, always one). Modules under them are re-imported on a job's reload and are part of its version
    /// (<see cref="Jobs.LoadedJob.Version"/>); the standard library and site-packages are not. Default: none.
    /// </summary>
    public IReadOnlyList<string> LibraryDirectories { get; init; } = [];

    /// <summary>
    /// Where <c>ctx.model</c> loads model artifacts from (<c>&lt;dir&gt;/&lt;name&gt;/&lt;version&gt;.&lt;framework&gt;</c>, written
    /// by the runtime's model registry; docs/models.md). Default: none (a job calling <c>ctx.model</c> fails naming the setting).
    /// The runtime sets it from <c>Runtime:Models:Directory</c>.
    /// </summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Threads serving single calls (<c>InvokeAsync</c>) and control work. Default 2 (one can run while another waits on a fetch).</summary>
    public int LatencyWorkers { get; init; } = 2;

    /// <summary>
    /// Extra latency threads the host may start while single calls wait in data reads (GIL released), so that
    /// <see cref="LatencyWorkers"/> threads stay free for the calls queued behind them; an extra thread stops after
    /// 10 s without work. Default 64 (0: a waiting call keeps its thread and the calls behind it wait).
    /// </summary>
    public int MaxExtraLatencyWorkers { get; init; } = 64;

    /// <summary>Threads serving batches (<c>InvokeBatchAsync</c>). Default 1.</summary>
    public int BulkWorkers { get; init; } = 1;

    /// <summary>Default per-call timeout of job logic (a job may override it). Default 5 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Python's <c>sys.setswitchinterval</c>: how long a thread may hold the GIL while another waits. Default 1 ms
    /// (Python's own default of 5 ms lets bulk work add up to 5 ms to a single call).
    /// </summary>
    public TimeSpan SwitchInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Target duration of one batch chunk (one GIL hold of the bulk lane); chunk sizes adapt to it. Default 1 ms.</summary>
    public TimeSpan BatchChunkTarget { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How long the bulk lane defers to pending single calls before it takes the GIL for its next chunk anyway
    /// (so bulk work still progresses under a steady stream of single calls). Default 20 ms.
    /// </summary>
    public TimeSpan BulkYieldLimit { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Most queued single calls one latency worker runs in one GIL hold. Default 64.</summary>
    public int MaxCallsPerGilHold { get; init; } = 64;
}
