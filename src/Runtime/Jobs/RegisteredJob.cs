using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>A job loaded from the jobs directory, with its run-time switches.</summary>
public sealed class RegisteredJob(LoadedJob loaded, bool enabled)
{
    private volatile bool enabled = enabled;
    private (JobVersionLog? Log, TimeProvider? Clock) versions;

    /// <summary>
    /// Raised after <see cref="Enabled"/> changed (not when set to its current value). The live jobs service listens
    /// and starts or stops the job's live runners; handlers must be quick and must not throw.
    /// </summary>
    public event Action<RegisteredJob>? EnabledChanged;

    /// <summary>The loaded Python module (hot-reloaded when its file changes).</summary>
    public LoadedJob Loaded { get; } = loaded;

    /// <summary>
    /// Where the job's logic runs: every run of it (live, replay, repair, quarantine retries, calls) goes through this.
    /// Default: this process's interpreter; the runtime's host sets the job's worker lane (<see cref="Workers.WorkerSupervisor"/>).
    /// </summary>
    public Execution.IJobLogic Logic { get; set; } = Execution.InProcessJobLogic.Instance;

    /// <summary>The job's name.</summary>
    public string Name => Loaded.Declaration.Name;

    /// <summary>The declaration (triggers, consistency, parameters, outputs) of the current version.</summary>
    public JobDeclaration Declaration => Loaded.Declaration;

    /// <summary>The module version currently running: the content hash of its code (see <see cref="LoadedJob.Version"/>).</summary>
    public string Version => Loaded.Version;

    /// <summary>
    /// Records the job's versions in <paramref name="log"/>: the one running now, each new one a reload brings, and
    /// (through <see cref="RecordRan"/>) each one that runs events.
    /// </summary>
    public void TrackVersions(JobVersionLog log, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(clock);
        versions = (log, clock);
        log.Seen(Name, Version, clock.GetUtcNow().ToUnixTimeMilliseconds(), Loaded.LibraryModules);
        Loaded.VersionChanged += (loaded, version) => log.Seen(Name, version, clock.GetUtcNow().ToUnixTimeMilliseconds(), loaded.LibraryModules);
    }

    /// <summary>Records that <paramref name="version"/> ran events now (no-op unless <see cref="TrackVersions"/> was called).</summary>
    public void RecordRan(string version)
    {
        if (versions is ({ } log, { } clock))
        {
            log.Seen(Name, version, clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    /// <summary>Whether the job runs live. Replays and calls run regardless.</summary>
    public bool Enabled
    {
        get => enabled;
        set
        {
            if (enabled == value)
            {
                return;
            }
            enabled = value;
            EnabledChanged?.Invoke(this);
        }
    }
}
