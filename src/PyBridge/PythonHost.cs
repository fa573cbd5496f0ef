using System.Text.Json;
using FeaturePlatform.PyBridge.Hosting;
using FeaturePlatform.PyBridge.Jobs;
using Python.Runtime;

namespace FeaturePlatform.PyBridge;

/// <summary>
/// Runs Python feature logic in this process. The interpreter is initialised once per process (see
/// <see cref="PythonHostOptions"/> for which one); a host adds worker threads on top of it.
/// </summary>
/// <remarks>
/// <para><b>Cores.</b> One interpreter per process is bound by the GIL: Python runs on about one core at a time,
/// however many workers there are (they overlap only while a fetch waits on I/O with the GIL released). The
/// platform scales by processes (Kafka consumer groups, replay shards), not threads.</para>
/// <para><b>Lanes.</b> Single calls (<see cref="LoadedJob.InvokeAsync"/>) go to the latency lane; batches
/// (<see cref="LoadedJob.InvokeBatchAsync"/>) to the bulk lane, which runs them in chunks of about
/// <see cref="PythonHostOptions.BatchChunkTarget"/>, releases the GIL between chunks and lets pending single calls
/// go first; <c>sys.setswitchinterval</c> bounds how long a running chunk can delay them. A single call that waits
/// in a read (a consistency wait) releases the GIL and the latency lane starts an extra worker meanwhile
/// (<see cref="PythonHostOptions.MaxExtraLatencyWorkers"/>), so calls queued behind it do not wait for its data.</para>
/// <para><b>Timeouts.</b> A watchdog raises TimeoutError in logic that exceeds its per-call timeout. That stops
/// Python code; code inside a C function (a blocking C call, a long numpy kernel) is stopped only when it returns
/// to Python. Only a separate process can be killed for a hard guarantee.</para>
/// </remarks>
public sealed class PythonHost : IAsyncDisposable
{
    private readonly Lane _latency;
    private readonly Lane _bulk;
    private readonly Watchdog _watchdog;
    private int _stopped;

    private PythonHost(PythonRuntime runtime, PythonHostOptions options)
    {
        Runtime = runtime;
        Options = options;
        _latency = new Lane("python-latency", options.LatencyWorkers, options.MaxCallsPerGilHold, runtime, options.MaxExtraLatencyWorkers);
        _bulk = new Lane("python-bulk", options.BulkWorkers, 1, runtime);
        _watchdog = new Watchdog(() => _latency.Workers.Concat(_bulk.Workers), TimeSpan.FromMilliseconds(5));
    }

    /// <summary>The settings this host runs with.</summary>
    public PythonHostOptions Options { get; }

    /// <summary>The embedded interpreter.</summary>
    public PythonInstallation Installation => Runtime.Installation;

    /// <summary>Threads of the latency lane now (its <see cref="PythonHostOptions.LatencyWorkers"/> plus extra ones while calls wait in reads).</summary>
    public int LatencyThreads => _latency.Workers.Count;

    /// <summary>How many timeout interrupts the watchdog has raised.</summary>
    public long TimeoutInterrupts => _watchdog.Interrupts;

    /// <summary>
    /// How long the call most past its deadline has run beyond it (zero when none is). It keeps growing when the logic
    /// ignores the watchdog's interrupts or C code holds the GIL; a supervisor of the process kills it past a grace period.
    /// Read without the GIL.
    /// </summary>
    public TimeSpan LongestOverdue
    {
        get
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var longest = TimeSpan.Zero;
            foreach (var worker in _latency.Workers.Concat(_bulk.Workers))
            {
                var overdue = worker.Overdue(now);
                longest = overdue > longest ? overdue : longest;
            }
            return longest;
        }
    }

    internal PythonRuntime Runtime { get; }

    internal PriorityGate Gate { get; } = new();

    internal bool IsStopped => Volatile.Read(ref _stopped) != 0;

    /// <summary>Starts a host, initialising the process's interpreter on first use.</summary>
    /// <exception cref="PythonHostException">No usable interpreter, or the process already embeds a different one.</exception>
    public static async Task<PythonHost> StartAsync(PythonHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        PythonRuntime.EnsureSupportedPlatform();
        options ??= new PythonHostOptions();
        var runtime = await PythonRuntime.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var host = new PythonHost(runtime, options);
        await host._latency.StartAsync().ConfigureAwait(false);
        await host._bulk.StartAsync().ConfigureAwait(false);
        host._watchdog.Start();
        var interval = Math.Max(options.SwitchInterval.TotalSeconds, 1e-6).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        await host.EvaluateAsync($"__import__('featureplatform._host')._host.configure({interval})").ConfigureAwait(false);
        return host;
    }

    /// <summary>Loads and validates one job module.</summary>
    /// <param name="path">The module's file.</param>
    /// <param name="dataSource">Serves the job's fetches unless a call supplies its own.</param>
    /// <param name="options">Per-job settings (default: host defaults, file watching on).</param>
    /// <exception cref="JobValidationException">The module failed to compile, import or validate (names file and line).</exception>
    public Task<LoadedJob> LoadJobAsync(string path, IFeatureDataSource dataSource, JobOptions? options = null) =>
        LoadedJob.LoadAsync(this, path, dataSource, options ?? new JobOptions());

    /// <summary>Loads every job module (<c>*.py</c> not starting with <c>_</c>) of a directory; bad modules are reported, not thrown.</summary>
    public async Task<JobDirectoryLoad> LoadJobsAsync(string directory, IFeatureDataSource dataSource, JobOptions? options = null)
    {
        var jobs = new List<LoadedJob>();
        var errors = new List<JobValidationException>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.py").Where(f => !Path.GetFileName(f).StartsWith('_')).Order(StringComparer.Ordinal))
        {
            try
            {
                jobs.Add(await LoadJobAsync(file, dataSource, options).ConfigureAwait(false));
            }
            catch (JobValidationException ex)
            {
                errors.Add(ex);
            }
        }
        return new JobDirectoryLoad(jobs, errors);
    }

    /// <summary>
    /// Where job modules are imported when not here (null, the default: in this process's interpreter). A host whose
    /// jobs run in worker processes sets it so that it never runs author code: the jobs it loads then carry the
    /// declaration, version and parameter values only, and their invoke methods throw (their logic runs elsewhere).
    /// Set before loading jobs.
    /// </summary>
    public IJobDescriber? JobDescriber { get; set; }

    /// <summary>
    /// Imports the module at <paramref name="request"/>'s path in a fresh job runner of this interpreter, applies its
    /// parameter values and answers the runner's state (see <see cref="IJobDescriber.DescribeAsync"/>); the runner is
    /// released afterwards. This is what a worker process does for a host's <see cref="JobDescriber"/>.
    /// </summary>
    public Task<byte[]> DescribeJobAsync(JobDescription request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunLockedAsync(_ =>
        {
            try
            {
                using var path = new PyString(System.IO.Path.GetFullPath(request.Path));
                using var roots = new PyString(JsonSerializer.Serialize(Options.LibraryDirectories.Select(System.IO.Path.GetFullPath)));
                using var models = new PyString(Options.ModelDirectory is { Length: > 0 } dir ? System.IO.Path.GetFullPath(dir) : "");
                using var runner = Runtime.RunnerType.Invoke(path, Runtime.NativeSource, roots, models);
                using var reloaded = runner.InvokeMethod("reload");
                var answer = PyText.Utf8(reloaded);
                if (request.ParametersJson is null || JobState.Parse(answer).State is null)
                {
                    return answer;
                }
                using var values = new PyString(request.ParametersJson);
                using var applied = runner.InvokeMethod(request.Strict ? "set_params" : "keep_params", values);
                return PyText.Utf8(applied);
            }
            catch (PythonException ex)
            {
                throw PythonErrors.ToHostException(ex, "describing a job");
            }
        });
    }

    /// <summary>Evaluates a Python expression and returns <c>str()</c> of its value (diagnostics and tests).</summary>
    internal Task<string> EvaluateAsync(string expression) => RunLockedAsync(_ =>
    {
        try
        {
            using var text = new PyString(expression);
            using var value = Runtime.Evaluate.Invoke(text);
            return value.ToString() ?? "";
        }
        catch (PythonException ex)
        {
            throw PythonErrors.ToHostException(ex, "evaluating an expression");
        }
    });

    internal Task<T> RunLockedAsync<T>(Func<Worker, T> body)
    {
        var work = new ControlWork<T>(body, Gate);
        PostLatency(work);
        return work.Completion.Task;
    }

    internal void PostLatency(PyWork work)
    {
        Gate.Enter();
        _latency.Post(work);
    }

    internal void PostBulk(PyWork work) => _bulk.Post(work);

    /// <summary>Stops the host's threads. The interpreter stays initialised for the process's life.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _bulk.StopAsync().ConfigureAwait(false);
        await _latency.StopAsync().ConfigureAwait(false);
        await _watchdog.StopAsync().ConfigureAwait(false);
        Gate.Dispose();
    }
}

/// <summary>The result of loading a jobs directory.</summary>
/// <param name="Jobs">The modules that loaded.</param>
/// <param name="Errors">Why the others did not.</param>
public sealed record JobDirectoryLoad(IReadOnlyList<LoadedJob> Jobs, IReadOnlyList<JobValidationException> Errors);
