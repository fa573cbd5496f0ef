using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>
/// A job loaded from the jobs directory, with its run-time switches. The code it runs can be swapped for another
/// loaded version (<see cref="UseVersion"/>, a promotion or rollback from the registry): each batch reads
/// <see cref="Loaded"/> once, so the swap takes effect from the next batch.
/// </summary>
/// <param name="loaded">The module it runs first.</param>
/// <param name="enabled">Whether it runs live.</param>
/// <param name="fromJobsDirectory">False for a job the job registry brought that no jobs directory has (its first module is a registry version).</param>
public sealed class RegisteredJob(LoadedJob loaded, bool enabled, bool fromJobsDirectory = true) : IAsyncDisposable
{
    private readonly Dictionary<string, LoadedJob> others = new(StringComparer.Ordinal);
    private readonly LoadedJob directory = loaded;
    private volatile bool enabled = enabled;
    private readonly Lock switchGate = new();
    private long switchVersion;
    private volatile bool retired;
    private volatile LoadedJob current = loaded;
    private (JobVersionLog? Log, TimeProvider? Clock) versions;

    /// <summary>
    /// Raised after <see cref="Enabled"/> changed (not when set to its current value). The live jobs service listens
    /// and starts or stops the job's live runners; handlers must be quick and must not throw.
    /// </summary>
    public event Action<RegisteredJob>? EnabledChanged;

    /// <summary>The loaded Python module running now (the jobs directory's, hot-reloaded when its file changes, or a registry version).</summary>
    public LoadedJob Loaded => current;

    /// <summary>Whether the job was loaded from the jobs directory (false: a job promoted in the job registry only).</summary>
    public bool FromJobsDirectory => fromJobsDirectory;

    /// <summary>The module loaded from the jobs directory (dev mode), whether or not it runs; for a job the registry brought, the version it started with.</summary>
    public LoadedJob DirectoryModule => directory;

    /// <summary>
    /// Runs <paramref name="next"/> from the next batch on (the batch running now finishes with the code it started with).
    /// The module replaced stays loaded (a rollback reuses it) until <see cref="DisposeAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="next"/> declares another job.</exception>
    public void UseVersion(LoadedJob next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (next.Declaration.Name != Name)
        {
            throw new ArgumentException($"a version of job '{next.Declaration.Name}' cannot replace job '{Name}'", nameof(next));
        }
        lock (others)
        {
            if (!ReferenceEquals(next, directory))
            {
                others[next.Version] = next;
            }
            current = next;
        }
        if (versions is ({ } log, { } clock))
        {
            log.Seen(Name, next.Version, clock.GetUtcNow().ToUnixTimeMilliseconds(), next.LibraryModules);
        }
    }

    /// <summary>A module of <paramref name="version"/> this process loaded before (the directory's or a registry version), or null.</summary>
    public LoadedJob? LoadedVersion(string version)
    {
        lock (others)
        {
            return directory.Version == version ? directory : others.GetValueOrDefault(version);
        }
    }

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
        directory.VersionChanged += (loaded, version) => log.Seen(Name, version, clock.GetUtcNow().ToUnixTimeMilliseconds(), loaded.LibraryModules);
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

    /// <summary>
    /// Applies an operator's switch stored with <paramref name="version"/> unless one stored later was applied already: a
    /// poll that read the switches before this process stored a newer one must not undo it (seen: a job enabled through
    /// the API answered "disabled", a poll having applied the previous switch right after). Raises
    /// <see cref="EnabledChanged"/> when <see cref="Enabled"/> changed; returns whether it did.
    /// </summary>
    public bool ApplySwitch(bool value, long version)
    {
        lock (switchGate)
        {
            if (version <= switchVersion)
            {
                return false;
            }
            switchVersion = version;
            if (enabled == value)
            {
                return false;
            }
            enabled = value;
        }
        EnabledChanged?.Invoke(this);
        return true;
    }

    /// <summary>
    /// Whether the job was retired in the job registry (no live version): it runs neither live nor on call in any
    /// process until a version is promoted again; replays (backtests, parity) still run. Raises <see cref="EnabledChanged"/>.
    /// </summary>
    public bool Retired
    {
        get => retired;
        set
        {
            if (retired == value)
            {
                return;
            }
            retired = value;
            EnabledChanged?.Invoke(this);
        }
    }

    /// <summary>Releases every module loaded for this job.</summary>
    public async ValueTask DisposeAsync()
    {
        List<LoadedJob> all;
        lock (others)
        {
            all = [directory, .. others.Values];
            others.Clear();
        }
        foreach (var module in all)
        {
            await module.DisposeAsync();
        }
    }
}
