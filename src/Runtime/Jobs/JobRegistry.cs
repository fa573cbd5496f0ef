using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>The jobs of the jobs directory: loaded, validated, listed, enabled or disabled.</summary>
public sealed class JobRegistry : IAsyncDisposable
{
    private readonly object gate = new();
    private volatile Dictionary<string, RegisteredJob> jobs;
    private Func<RegisteredJob, Execution.IJobLogic>? logicFor;

    private JobRegistry(IEnumerable<RegisteredJob> jobs, IReadOnlyList<JobValidationException> errors)
    {
        this.jobs = jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
        LoadErrors = errors;
    }

    /// <summary>
    /// Raised after <see cref="Add"/> added a job (a job promoted in the job registry that the jobs directory does not
    /// have). The live jobs service listens and starts its runners; handlers must be quick and must not throw.
    /// </summary>
    public event Action<RegisteredJob>? JobAdded;

    /// <summary>Every loaded job, by name: a snapshot (jobs added later are in the next read).</summary>
    public IReadOnlyCollection<RegisteredJob> Jobs => jobs.Values;

    /// <summary>
    /// Adds a job this registry did not load from the jobs directory (one promoted in the job registry); live runs,
    /// replays and calls find it from now on.
    /// </summary>
    /// <exception cref="ArgumentException">A job of that name is already loaded.</exception>
    public void Add(RegisteredJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            if (jobs.ContainsKey(job.Name))
            {
                throw new ArgumentException($"job '{job.Name}' is already loaded", nameof(job));
            }
            jobs = new Dictionary<string, RegisteredJob>(jobs, StringComparer.Ordinal) { [job.Name] = job };
            if (logicFor is not null)
            {
                job.Logic = logicFor(job);
            }
        }
        JobAdded?.Invoke(job);
    }

    /// <summary>
    /// Sets where the jobs of this registry run their logic (the runtime's start-up: each job's worker lane in Process
    /// mode): for every job loaded, every job <see cref="Add"/>ed later and every <see cref="Candidate"/> — so that no
    /// job, a backtested candidate included, runs author code in this process by omission.
    /// </summary>
    public void UseLogic(Func<RegisteredJob, Execution.IJobLogic> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        lock (gate)
        {
            logicFor = logic;
            foreach (var job in jobs.Values)
            {
                job.Logic = logic(job);
            }
        }
    }

    /// <summary>
    /// A job that runs <paramref name="version"/> (a candidate: a backtest or parity check of a version that is not
    /// live), not live, on the same logic as this registry's jobs. Not added to the registry.
    /// </summary>
    public RegisteredJob Candidate(LoadedJob version)
    {
        var job = new RegisteredJob(version, enabled: false);
        lock (gate)
        {
            if (logicFor is not null)
            {
                job.Logic = logicFor(job);
            }
        }
        return job;
    }

    /// <summary>Modules that failed to load, with file, line and reason.</summary>
    public IReadOnlyList<JobValidationException> LoadErrors { get; }

    /// <summary>Loads every job module of <paramref name="directory"/>; <paramref name="disabled"/> names jobs that must not run live.</summary>
    public static async Task<JobRegistry> LoadAsync(PythonHost host, string directory, IFeatureDataSource dataSource, IReadOnlySet<string>? disabled = null, JobOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var load = await host.LoadJobsAsync(directory, dataSource, options);
        var duplicates = load.Jobs.GroupBy(j => j.Declaration.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException($"Job names must be unique; declared more than once: {string.Join(", ", duplicates)}.");
        }
        return new JobRegistry(load.Jobs.Select(j => new RegisteredJob(j, disabled?.Contains(j.Declaration.Name) != true)), load.Errors);
    }

    /// <summary>The job named <paramref name="name"/>, or null.</summary>
    public RegisteredJob? Find(string name) => jobs.GetValueOrDefault(name);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var job in jobs.Values)
        {
            await job.DisposeAsync();
        }
    }
}
