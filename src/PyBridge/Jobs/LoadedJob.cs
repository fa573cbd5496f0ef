using System.Text.Json;
using FeaturePlatform.PyBridge.Hosting;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// A job module loaded into the host: its declaration, current code version and parameter values, and the calls
/// that run its logic. Reloads and parameter swaps are atomic per call: a call sees one version and one set of
/// parameter values from start to end.
/// </summary>
public sealed partial class LoadedJob : IAsyncDisposable
{
    private readonly PythonHost _host;
    private readonly IFeatureDataSource _dataSource;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly IJobDescriber? _describer;
    private readonly SemaphoreSlim _describing = new(1, 1);
    private string? _overridesJson;
    private PyObject? _runner;
    private int _changed;
    private volatile JobState _state = null!;
    private volatile JobValidationException? _lastReloadError;

    private LoadedJob(PythonHost host, string path, IFeatureDataSource dataSource, TimeSpan timeout, bool watch)
    {
        _host = host;
        _describer = host.JobDescriber;
        Path = path;
        _dataSource = dataSource;
        Timeout = timeout;
        LibraryRoots = [System.IO.Path.GetDirectoryName(path)!, .. host.Options.LibraryDirectories.Select(System.IO.Path.GetFullPath)];
        if (watch)
        {
            // Any source under a library root may be code the job imports: a change there makes the next call compare
            // the content hash of the loaded files with the loaded version (an unchanged file reloads nothing).
            foreach (var root in LibraryRoots.Where(Directory.Exists).Distinct(StringComparer.Ordinal))
            {
                var watcher = new FileSystemWatcher(root, "*.py")
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
                };
                watcher.Changed += (_, _) => Volatile.Write(ref _changed, 1);
                watcher.Created += (_, _) => Volatile.Write(ref _changed, 1);
                watcher.Renamed += (_, _) => Volatile.Write(ref _changed, 1);
                watcher.Deleted += (_, _) => Volatile.Write(ref _changed, 1);
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
        }
    }

    /// <summary>Where the job's own library code lives: the module's directory, then the host's library directories.</summary>
    public IReadOnlyList<string> LibraryRoots { get; }

    /// <summary>The module's file.</summary>
    public string Path { get; }

    /// <summary>
    /// Whether this process imported the module (false: it was imported elsewhere through
    /// <see cref="PythonHost.JobDescriber"/>; this object then carries the declaration, version and parameter values
    /// only, and its logic runs in worker processes).
    /// </summary>
    public bool ImportedHere => _describer is null;

    /// <summary>The per-call timeout of the logic.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The declaration of the running version.</summary>
    public JobDeclaration Declaration => _state.Declaration;

    /// <summary>
    /// The running version: the content hash (16 hex digits of SHA-256) of the module's source and of the local library
    /// modules it imports (<see cref="LibraryModules"/>), the same in every process and after a restart. A reload of
    /// unchanged files keeps it; an edit of the module or of an imported library file changes it.
    /// </summary>
    public string Version => _state.Version;

    /// <summary>The local library modules (under <see cref="LibraryRoots"/>) the running version covers.</summary>
    public IReadOnlyList<string> LibraryModules => _state.LibraryModules;

    /// <summary>Raised after a load or reload changed <see cref="Version"/> (on a Python worker: handlers must be quick and must not throw).</summary>
    public event Action<LoadedJob, string>? VersionChanged;

    /// <summary>The parameter values calls currently see.</summary>
    public IReadOnlyDictionary<string, object?> Parameters => _state.Parameters;

    /// <summary>Why the last reload was rejected (the previous version kept running), or null if it succeeded.</summary>
    public JobValidationException? LastReloadError => _lastReloadError;

    internal JobState State => _state;

    internal PyObject CallMethod { get; private set; } = null!;

    internal PyObject CallBatchMethod { get; private set; } = null!;

    /// <summary>The outcomes so far of a crossing that a waiting read cuts (<see cref="Hosting.CrossingCut"/>).</summary>
    internal PyObject DoneSoFarMethod { get; private set; } = null!;

    internal int ChunkSize { get; private set; } = 16;

    private int _callsWithoutWait = 2;

    /// <summary>
    /// How many single calls over a source that may wait share a crossing: about twice as many as recently ran without a
    /// read waiting (a waiting read cuts the crossing, see <see cref="Hosting.CrossingCut"/>), 1 while calls keep waiting.
    /// </summary>
    internal int CallsWithoutWait => Volatile.Read(ref _callsWithoutWait);

    /// <summary>
    /// Notes <paramref name="ran"/> single calls run in one crossing, the last of them waiting in a read when
    /// <paramref name="waited"/> (racy updates from two threads only blur the figure).
    /// </summary>
    internal void CallsRan(int ran, bool waited) =>
        Volatile.Write(ref _callsWithoutWait, waited ? Math.Max(1, ran - 1) : Math.Clamp(2 * ran, CallsWithoutWait, 4096));

    /// <summary>
    /// Adapts <see cref="ChunkSize"/> to the measured time per event so a chunk takes about
    /// <see cref="PythonHostOptions.BatchChunkTarget"/> (racy updates from two lanes only blur the average).
    /// </summary>
    internal void RecordChunk(int events, long elapsedTicks)
    {
        var perEvent = (double)elapsedTicks / Math.Max(events, 1);
        var targetTicks = _host.Options.BatchChunkTarget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency;
        ChunkSize = (int)Math.Clamp(0.7 * ChunkSize + 0.3 * (targetTicks / Math.Max(perEvent, 1)), 1, 4096);
    }

    /// <summary>Runs the logic for one event; returns its rows (possibly none).</summary>
    /// <exception cref="PythonJobException">The logic raised (or <see cref="JobTimeoutException"/>, <see cref="JobResultShapeException"/>).</exception>
    public Task<IReadOnlyList<ResultRow>> InvokeAsync(FeatureEvent e, IFeatureDataSource? dataSource = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        EnsureImportedHere();
        var work = new CallWork(this, e, dataSource ?? _dataSource, _host.Gate);
        _host.PostLatency(work);
        return work.Completion.Task;
    }

    /// <summary>
    /// Runs the logic for each event as a single call on the latency lane (calls: each answered as soon as it is done,
    /// none waiting behind another's data read); returns one outcome per event, in order.
    /// </summary>
    public async Task<IReadOnlyList<EventOutcome>> InvokeEachAsync(IReadOnlyList<FeatureEvent> events, IFeatureDataSource? dataSource = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var calls = events.Select(e => InvokeAsync(e, dataSource)).ToList();
        var outcomes = new EventOutcome[events.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            try
            {
                var rows = await calls[i].ConfigureAwait(false);
                // The version running when the call finished (a reload swaps versions between calls, never during one).
                outcomes[i] = new EventOutcome(events[i], rows, null, Version);
            }
            catch (PythonJobException ex)
            {
                outcomes[i] = new EventOutcome(events[i], [], ex, Version);
            }
        }
        return outcomes;
    }

    /// <summary>
    /// Runs the logic for each event as a single call on the latency lane, like <see cref="InvokeEachAsync"/>, and hands
    /// the results to <paramref name="done"/> as calls finish: the calls that finish together (one shared crossing) in
    /// one list, on a thread-pool thread, without a continuation per call. Every event is reported exactly once.
    /// </summary>
    /// <param name="events">The events, one call each.</param>
    /// <param name="dataSource">Serves the logic's reads (default: the job's).</param>
    /// <param name="done">Takes each list of results; must not throw (it runs on the pool, with nobody to catch).</param>
    public void InvokeEach(IReadOnlyList<FeatureEvent> events, IFeatureDataSource? dataSource, Action<IReadOnlyList<CallResult>> done)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(done);
        EnsureImportedHere();
        var sink = new CallSink(this, events, done);
        for (var i = 0; i < events.Count; i++)
        {
            _host.PostLatency(new CallWork(this, events[i], dataSource ?? _dataSource, _host.Gate, sink, i));
        }
    }

    /// <summary>Runs the logic for many events on the bulk lane; returns one outcome per event, in order.</summary>
    /// <param name="events">The events.</param>
    /// <param name="dataSource">Serves the logic's reads (default: the job's).</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    /// <param name="parameters">
    /// Per event (same count as <paramref name="events"/>), the parameter values it runs with; null: the job's current
    /// values. A set is sent to Python only where it changes from one event to the next (and at each chunk's start).
    /// </param>
    public Task<IReadOnlyList<EventOutcome>> InvokeBatchAsync(IReadOnlyList<FeatureEvent> events, IFeatureDataSource? dataSource = null,
        CancellationToken cancellationToken = default, IReadOnlyList<JobParameterSet>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (parameters is not null && parameters.Count != events.Count)
        {
            throw new ArgumentException($"one parameter set per event: {parameters.Count} sets for {events.Count} events", nameof(parameters));
        }
        if (events.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<EventOutcome>>([]);
        }
        EnsureImportedHere();
        var work = new BatchWork(this, events, parameters, dataSource ?? _dataSource, _host.Gate, _host.Options, cancellationToken);
        _host.PostBulk(work);
        return work.Completion.Task;
    }

    /// <summary>Recompiles the module now. A version that fails leaves the previous one running; the result says why.</summary>
    public Task<ReloadResult> ReloadAsync() => _describer is null ? _host.RunLockedAsync(_ => ReloadLocked()) : ReloadElsewhereAsync();

    /// <summary>Replaces the operator-set parameter values (all or nothing; unspecified parameters return to their defaults).</summary>
    /// <exception cref="ArgumentException">A name is not declared or a value breaks its type or bounds.</exception>
    public Task SetParametersAsync(IReadOnlyDictionary<string, object?> values)
    {
        var json = JsonSerializer.Serialize(values);
        if (_describer is not null)
        {
            return SetParametersElsewhereAsync(json);
        }
        return _host.RunLockedAsync(_ =>
        {
            byte[] answer;
            try
            {
                using var payload = new PyString(json);
                using var result = _setParams.Invoke(payload);
                answer = PyText.Utf8(result);
            }
            catch (PythonException ex)
            {
                throw PythonErrors.ToHostException(ex, "setting parameters");
            }
            var (state, error) = JobState.Parse(answer);
            _state = state ?? throw new ArgumentException($"job '{Declaration.Name}': {error!.Message}", nameof(values));
            return true;
        });
    }

    private PyObject _reload = null!;
    private PyObject _setParams = null!;
    private PyObject _fingerprint = null!;

    internal static async Task<LoadedJob> LoadAsync(PythonHost host, string path, IFeatureDataSource dataSource, JobOptions options)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new JobValidationException(full, 0, "job module not found", "");
        }
        var job = new LoadedJob(host, full, dataSource, options.CallTimeout ?? host.Options.CallTimeout, options.WatchForChanges);
        if (job._describer is not null)
        {
            var described = await job.ReloadElsewhereAsync().ConfigureAwait(false);
            if (!described.Succeeded)
            {
                await job.DisposeAsync().ConfigureAwait(false);
                throw described.Error!;
            }
            return job;
        }
        try
        {
            var result = await host.RunLockedAsync(_ =>
            {
                try
                {
                    using var path = new PyString(full);
                    using var roots = new PyString(JsonSerializer.Serialize(host.Options.LibraryDirectories.Select(System.IO.Path.GetFullPath)));
                    using var models = new PyString(host.Options.ModelDirectory is { Length: > 0 } dir ? System.IO.Path.GetFullPath(dir) : "");
                    job._runner = host.Runtime.RunnerType.Invoke(path, host.Runtime.NativeSource, roots, models);
                    job.CallMethod = job._runner.GetAttr("call");
                    job.CallBatchMethod = job._runner.GetAttr("call_batch");
                    job.DoneSoFarMethod = job._runner.GetAttr("done_so_far");
                    job._reload = job._runner.GetAttr("reload");
                    job._setParams = job._runner.GetAttr("set_params");
                    job._fingerprint = job._runner.GetAttr("fingerprint");
                }
                catch (PythonException ex)
                {
                    throw PythonErrors.ToHostException(ex, "creating a job runner");
                }
                return job.ReloadLocked();
            }).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw result.Error!;
            }
            return job;
        }
        catch
        {
            await job.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Reloads the module if a watched file changed since the last check, as every invocation does first: for a host
    /// whose invocations run elsewhere (worker processes) and that must still follow edits. Cheap when nothing changed.
    /// </summary>
    public Task ReloadIfChangedAsync() => Volatile.Read(ref _changed) == 0
        ? Task.CompletedTask
        : _describer is not null
        ? ReloadChangedElsewhereAsync()
        : _host.RunLockedAsync(_ =>
        {
            ReloadIfChangedLocked();
            return true;
        });

    internal void ReloadIfChangedLocked()
    {
        if (Volatile.Read(ref _changed) == 1 && Interlocked.Exchange(ref _changed, 0) == 1)
        {
            string now;
            try
            {
                using var result = _fingerprint.Invoke();
                now = result.As<string>();
            }
            catch (PythonException ex)
            {
                throw PythonErrors.ToHostException(ex, "hashing a job's files");
            }
            if (now != _state.Version)
            {
                ReloadLocked();
            }
        }
    }

    private ReloadResult ReloadLocked()
    {
        byte[] answer;
        try
        {
            using var result = _reload.Invoke();
            answer = PyText.Utf8(result);
        }
        catch (PythonException ex)
        {
            throw PythonErrors.ToHostException(ex, "reloading a job");
        }
        return Accept(answer);
    }

    /// <summary>Runs the state a (re)load answered, or keeps the previous one and says why not.</summary>
    private ReloadResult Accept(byte[] answer)
    {
        var (state, error) = JobState.Parse(answer);
        if (state is not null && _state is { } running && state.Declaration.Name != running.Declaration.Name)
        {
            // A fresh import elsewhere does not know the name it had (the runner here checks it itself).
            var renamed = $"the job's name changed from '{running.Declaration.Name}' to '{state.Declaration.Name}'; a renamed job is a new job";
            (state, error) = (null, new ErrorInfo("JobDefinitionError", renamed, Path, 0, renamed));
        }
        if (state is null)
        {
            var rejected = new JobValidationException(error!.File, error.Line, error.Message, error.Traceback);
            _lastReloadError = rejected;
            return new ReloadResult(false, _state?.Version ?? "", rejected);
        }
        var previous = _state?.Version;
        _state = state;
        _lastReloadError = null;
        if (previous != state.Version)
        {
            VersionChanged?.Invoke(this, state.Version);
        }
        return new ReloadResult(true, state.Version, null);
    }

    internal PythonJobException ToException(ErrorInfo info, bool timedOut, Exception? dataSourceError)
    {
        var name = _state.Declaration.Name;
        return info.Type switch
        {
            "ResultShapeError" => new JobResultShapeException(name, info.Message, info.File, info.Line, info.Traceback),
            "TimeoutError" or "KeyboardInterrupt" when timedOut => new JobTimeoutException(name, Timeout, info.File, info.Line, info.Traceback),
            _ => new PythonJobException(name, info.Type, info.Message, info.File, info.Line, info.Traceback,
                info.Type == "DataSourceError" ? dataSourceError : null),
        };
    }

    internal PythonJobException FromHostError(PythonHostException error, bool timedOut, Exception? dataSourceError) =>
        timedOut && error.PythonType is "TimeoutError" or "KeyboardInterrupt"
            ? new JobTimeoutException(_state.Declaration.Name, Timeout, Path, 0, error.PythonTraceback ?? error.Message)
            : new PythonJobException(_state.Declaration.Name, error.PythonType ?? "Error", error.Message, Path, 0,
                error.PythonTraceback ?? error.Message, dataSourceError);

    /// <summary>Stops watching the file and releases the job's Python objects.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
        _describing.Dispose();
        if (_runner is null || _host.IsStopped)
        {
            return;
        }
        await _host.RunLockedAsync(_ =>
        {
            foreach (var obj in new[] { CallMethod, CallBatchMethod, DoneSoFarMethod, _reload, _setParams, _fingerprint, _runner })
            {
                obj?.Dispose(); // under the GIL: the references go now, not at a later finalizer pass
            }
            _runner = null;
            return true;
        }).ConfigureAwait(false);
    }
}
