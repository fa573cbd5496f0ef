using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// The runtime's configuration (section <c>Runtime</c>): where job modules live, the embedded Python host, which
/// jobs run live and where their results go. Validated at start-up.
/// </summary>
public sealed record RuntimeSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Runtime";

    /// <summary>
    /// Folder of job modules. Default: the SDK's example jobs as copied next to the application
    /// (<c>&lt;AppContext.BaseDirectory&gt;/python/jobs</c>).
    /// </summary>
    public string JobsDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "python", "jobs");

    /// <summary>The embedded CPython host. Default: Debian's python3, host defaults.</summary>
    public PythonHostOptions Python { get; init; } = new();

    /// <summary>Late-data repair: live computations' reads and results are recorded, late events re-run what they change.</summary>
    public Repair.RepairSettings Repair { get; init; } = new();

    /// <summary>The scheduled correction replay (daily by default; zero interval turns it off).</summary>
    public Parity.CorrectionSettings Correction { get; init; } = new();

    /// <summary>Retries and quarantine of failing events (all run modes). Default: 3 runs, then quarantined.</summary>
    public Quarantine.QuarantineSettings Quarantine { get; init; } = new();

    /// <summary>When readiness reports jobs as Degraded (quarantining, lagging).</summary>
    public Quarantine.JobHealthSettings Health { get; init; } = new();

    /// <summary>Where job logic runs: supervised worker processes (default) or this process (section <c>Runtime:Workers</c>).</summary>
    public Workers.WorkerSettings Workers { get; init; } = new();

    /// <summary>Whether this process runs jobs live at all (replays and calls are unaffected). Default: true.</summary>
    public bool RunLiveJobs { get; init; } = true;

    /// <summary>Whether jobs without an entry in <see cref="Jobs"/> run live (to the feature store). Default: true.</summary>
    public bool EnableJobsByDefault { get; init; } = true;

    /// <summary>Per-job settings by job name.</summary>
    public IReadOnlyDictionary<string, JobSettings> Jobs { get; init; } = new Dictionary<string, JobSettings>();

    /// <summary>Batching of live triggers.</summary>
    public LiveBatchSettings Live { get; init; } = new();

    /// <summary>Longest a fetch waits for its consistency level. Default: 30 s.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Entries of the settled-state cache each replay run keeps (fetches below the source's watermark answered from
    /// memory; see <c>SettledStateCache</c>); 0 turns it off. Default: 100,000.
    /// </summary>
    public int ReplayStateCacheEntries { get; init; } = EventCenter.Consistency.SettledStateCache.DefaultCapacity;

    /// <summary>First delay before a failed live runner restarts; doubled per consecutive failure. Default: 1 s.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between restarts of a failing live runner. Default: 30 s.</summary>
    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The back-off of restarts: <see cref="RestartDelay"/> doubling up to <see cref="MaxRestartDelay"/>.</summary>
    public Backoff RestartBackoff => new(RestartDelay, MaxRestartDelay);

    /// <summary>
    /// How often the versions jobs ran (with their last-seen times) are written to the job version log; nothing is
    /// written while no job runs. Default: 30 s.
    /// </summary>
    public TimeSpan VersionFlushInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the parameter table is polled for changes made by other processes. Default: 1 s.</summary>
    public TimeSpan ParameterPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the live jobs service re-reads the stored job switches (changes made by other processes) and
    /// re-checks the jobs' triggers (hot reloads). Local enable/disable act at once. Default: 1 s.
    /// </summary>
    public TimeSpan JobSwitchPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Taking replay shards from the shards topic (scale-out of replays).</summary>
    public ReplayWorkerSettings ReplayWorker { get; init; } = new();

    /// <summary>Calls through the bus (request–poll, request–message).</summary>
    public Calls.CallSettings Calls { get; init; } = new();

    /// <summary>The job registry's publishing flow: where versions are written, how often live pointers are read.</summary>
    public Jobs.Publishing.PublishingSettings Publishing { get; init; } = new();

    /// <summary>The model registry: where artifacts are stored, the largest upload (section <c>Runtime:Models</c>; docs/models.md).</summary>
    public Models.ModelSettings Models { get; init; } = new();
    /// <summary>Output presets: admin-defined sinks authors name in a job's declaration (<c>@job(sinks=…)</c>).</summary>
    public OutputPresets Outputs { get; init; } = new();

    /// <summary>Slices of sources and their daily schedule. Default: see <see cref="FeaturePlatform.Runtime.Slices.SliceSettings"/> (no daily slices).</summary>
    public FeaturePlatform.Runtime.Slices.SliceSettings Slices { get; init; } = new();

    /// <summary>Feature selection: the engine, the copy's resync, page sizes, exports (section <c>Runtime:Selection</c>; docs/selection.md).</summary>
    public Selection.SelectionSettings Selection { get; init; } = new();

    /// <summary>Salt buckets of the feature store's row keys. Default: 16.</summary>
    public int FeatureStoreSaltBuckets { get; init; } = 16;

    /// <summary>The settings of <paramref name="job"/> (its entry, or the defaults).</summary>
    public JobSettings For(string job) =>
        Jobs.TryGetValue(job, out var settings) ? settings : new JobSettings { Enabled = EnableJobsByDefault };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem; called at start-up.</summary>
    public void Validate()
    {
        Repair.Validate();
        Correction.Validate();
        Quarantine.Validate();
        Health.Validate();
        Publishing.Validate();
        Models.Validate();
        Outputs.Validate();
        Slices.Validate();
        Workers.Validate();
        if (string.IsNullOrWhiteSpace(JobsDirectory))
        {
            throw new ArgumentException("Runtime:JobsDirectory must not be empty.");
        }
        if (VersionFlushInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:VersionFlushInterval must be positive (default 00:00:30).");
        }
        if (FetchTimeout <= TimeSpan.Zero || RestartDelay <= TimeSpan.Zero || MaxRestartDelay < RestartDelay || ParameterPollInterval <= TimeSpan.Zero
            || JobSwitchPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime: FetchTimeout, RestartDelay, ParameterPollInterval and JobSwitchPollInterval must be positive, MaxRestartDelay at least RestartDelay.");
        }
        if (ReplayStateCacheEntries < 0)
        {
            throw new ArgumentException("Runtime:ReplayStateCacheEntries must not be negative (0 turns the cache off).");
        }
        Selection.Validate();
        if (FeatureStoreSaltBuckets is < 1 or > 256)
        {
            throw new ArgumentException("Runtime:FeatureStoreSaltBuckets must be within 1..256.");
        }
        if (Python.LatencyWorkers < 1 || Python.BulkWorkers < 1 || Python.CallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Python: LatencyWorkers and BulkWorkers must be at least 1, CallTimeout positive.");
        }
        Live.Validate();
        Calls.Validate();
        if (ReplayWorker.BatchSize < 1 || ReplayWorker.Parallelism < 1 || string.IsNullOrWhiteSpace(ReplayWorker.ShardsTopic)
            || string.IsNullOrWhiteSpace(ReplayWorker.ResultsTopic) || string.IsNullOrWhiteSpace(ReplayWorker.GroupId))
        {
            throw new ArgumentException("Runtime:ReplayWorker: topics and group required, BatchSize and Parallelism at least 1.");
        }
        foreach (var (name, job) in Jobs)
        {
            job.Validate($"Runtime:Jobs:{name}");
        }
    }
}

/// <summary>Settings of one job.</summary>
public sealed record JobSettings
{
    /// <summary>Whether the job runs live. Default: true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Where its results go. Default (empty): the feature store only.</summary>
    /// <remarks>Empty by default because configuration binding appends to a non-empty default list.</remarks>
    public IReadOnlyList<JobOutputSettings> Outputs { get; init; } = [];

    /// <summary>The outputs results go to: <see cref="Outputs"/>, or the feature store when none are configured.</summary>
    public IReadOnlyList<JobOutputSettings> EffectiveOutputs => Outputs.Count == 0 ? [new JobOutputSettings()] : Outputs;

    internal void Validate(string section)
    {
        for (var i = 0; i < Outputs.Count; i++)
        {
            try
            {
                Outputs[i].Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{section}:Outputs:{i}: {e.Message}", e);
            }
        }
    }
}

/// <summary>Batching of live triggers.</summary>
public sealed record LiveBatchSettings
{
    /// <summary>Messages per batch at most. Default: 500.</summary>
    public int MaxBatchMessages { get; init; } = 500;

    /// <summary>How long a consume waits for the first message. Default: 50 ms.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a trigger-strong batch waits for ingestion to store it. Default: 30 s.</summary>
    public TimeSpan TriggerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal Triggers.LiveTriggerOptions ToOptions() => new()
    {
        MaxBatchMessages = MaxBatchMessages,
        MaxBatchWait = MaxBatchWait,
        TriggerWaitTimeout = TriggerWaitTimeout,
    };

    internal void Validate()
    {
        if (MaxBatchMessages < 1 || MaxBatchWait <= TimeSpan.Zero || TriggerWaitTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Live: MaxBatchMessages must be at least 1, MaxBatchWait and TriggerWaitTimeout positive.");
        }
    }
}

/// <summary>Whether and how this process takes replay shards handed out over the bus.</summary>
public sealed record ReplayWorkerSettings
{
    /// <summary>Run a shard worker in this process. Default: false.</summary>
    public bool Enabled { get; init; }

    /// <summary>Topic of shard descriptors. Default: featureplatform-replay-shards.</summary>
    public string ShardsTopic { get; init; } = "featureplatform-replay-shards";

    /// <summary>Topic of shard completions. Default: featureplatform-replay-results.</summary>
    public string ResultsTopic { get; init; } = "featureplatform-replay-results";

    /// <summary>Consumer group of the workers of all processes. Default: featureplatform-replay.</summary>
    public string GroupId { get; init; } = "featureplatform-replay";

    /// <summary>Events per batch handed to the logic. Default: 1000.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Time chunks of a shard read in parallel. Default: 2.</summary>
    public int Parallelism { get; init; } = 2;
}
