using System.Text.Json;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>
/// Makes this process run the version each job's live pointer names (a promotion or rollback made by any process):
/// the version's modules come from <see cref="IJobVersionSources"/>, are written to a folder of their own and loaded,
/// the parameter values in force are applied to them, and the job switches to them from its next batch. Also registers
/// the versions the jobs directory brings (dev mode: loaded and hot-reloaded versions are registered as
/// <see cref="VersionState.Local"/>, the same way published ones are).
/// </summary>
/// <param name="registry">The registry.</param>
/// <param name="sources">Where a version's modules come from (normally the registry).</param>
/// <param name="parameters">The parameter values in force, applied to a version before it runs.</param>
/// <param name="settings">Where versions are written.</param>
/// <param name="logger">Log.</param>
public sealed class PublishedVersionSync(JobVersionStore registry, IJobVersionSources sources, IParameterStore parameters, PublishingSettings settings, ILogger logger)
{
    private readonly HashSet<string> registered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> failed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>Wakes the sync loop of this process (a pointer changed here).</summary>
    public void Pulse() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Registers new directory versions, then switches every job whose live pointer names another version than the
    /// one it runs, and starts the jobs promoted in the registry that this process does not have (a brand-new job:
    /// <paramref name="adopt"/> wraps its loaded version — with the parameter values in force, else its declared
    /// defaults — and it is added to <paramref name="jobs"/>, so live runs, replays and calls find it); returns how many
    /// jobs switched or started. A version that cannot be loaded is logged once per pointer change and the job keeps
    /// running what it ran (a new job does not start).
    /// </summary>
    public async Task<int> SyncOnceAsync(PythonHost host, IFeatureDataSource dataSource, JobRegistry jobs, Func<LoadedJob, RegisteredJob> adopt,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(adopt);
        await gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var job in jobs.Jobs.Where(j => j.FromJobsDirectory))
            {
                await RegisterDirectoryVersionAsync(job, cancellationToken);
            }
            var switched = 0;
            foreach (var pointer in await registry.ListLiveAsync(cancellationToken))
            {
                var job = jobs.Find(pointer.Job);
                if (pointer.Version.Length == 0)
                {
                    // Retired: no live version; the job stops running here (a new job is not started).
                    if (job is { Retired: false })
                    {
                        job.Retired = true;
                        logger.LogInformation("Job {Job} is retired ({By}): it no longer runs live or on call in this process", job.Name, pointer.By);
                        switched++;
                    }
                    continue;
                }
                if ((job?.Version == pointer.Version && job.Retired == false) || failed.GetValueOrDefault(pointer.Job) == pointer.At)
                {
                    continue;
                }
                if (job?.Version == pointer.Version)
                {
                    job.Retired = false;
                    logger.LogInformation("Job {Job} runs again with version {Version} ({Action} by {By})", job.Name, pointer.Version, pointer.Action, pointer.By);
                    switched++;
                    continue;
                }
                try
                {
                    var loaded = job?.LoadedVersion(pointer.Version) ?? await LoadAsync(host, dataSource, pointer.Job, pointer.Version, cancellationToken);
                    await CarryParametersAsync(pointer.Job, loaded, cancellationToken);
                    if (job is null)
                    {
                        jobs.Add(adopt(loaded));
                        logger.LogInformation("Job {Job} starts in this process with version {Version} from the job registry ({Action} by {By})", pointer.Job,
                            pointer.Version, pointer.Action, pointer.By);
                    }
                    else
                    {
                        job.UseVersion(loaded);
                        job.Retired = false;
                        logger.LogInformation("Job {Job} runs version {Version} from its next batch ({Action} by {By})", job.Name, pointer.Version, pointer.Action, pointer.By);
                    }
                    switched++;
                }
                catch (Exception e) when (e is JobValidationException or InvalidOperationException or IOException or ArgumentException)
                {
                    failed[pointer.Job] = pointer.At;
                    logger.LogError(e, "Job {Job}: live version {Version} cannot run in this process; it keeps running {Running}", pointer.Job, pointer.Version,
                        job?.Version ?? "nothing (a new job does not start)");
                }
            }
            return switched;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Loads <paramref name="version"/> of <paramref name="job"/> from its registered modules (not watched: a registry
    /// version never changes).
    /// </summary>
    /// <exception cref="InvalidOperationException">The version is not registered, or its loaded content hash differs.</exception>
    public async Task<LoadedJob> LoadAsync(PythonHost host, IFeatureDataSource dataSource, string job, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var modules = await sources.GetModulesAsync(version, cancellationToken)
            ?? throw new InvalidOperationException($"version {version} of job '{job}' is not in the registry");
        var path = JobVersionContent.Write(Path.Combine(settings.Directory, "versions", version), modules, job + ".py");
        var loaded = await host.LoadJobAsync(path, dataSource, new JobOptions { WatchForChanges = false });
        if (loaded.Version != version || loaded.Declaration.Name != job)
        {
            await loaded.DisposeAsync();
            throw new InvalidOperationException($"the modules of version {version} loaded as job '{loaded.Declaration.Name}' version {loaded.Version}");
        }
        return loaded;
    }

    private async Task CarryParametersAsync(string job, LoadedJob loaded, CancellationToken cancellationToken)
    {
        if (await parameters.GetAsync(job, cancellationToken) is not { } snapshot)
        {
            return;
        }
        // Values of parameters the version still declares carry over; new parameters start at their defaults.
        var declared = loaded.Declaration.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        await loaded.SetParametersAsync(snapshot.Values.Where(kv => declared.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    private async Task RegisterDirectoryVersionAsync(RegisteredJob job, CancellationToken cancellationToken)
    {
        var module = job.DirectoryModule;
        var version = module.Version;
        if (registered.Contains(version))
        {
            return;
        }
        IReadOnlyDictionary<string, string> modules;
        try
        {
            modules = JobVersionContent.Read(module.Path, module.LibraryModules, module.LibraryRoots);
        }
        catch (IOException e)
        {
            logger.LogWarning("Job {Job}: the files of directory version {Version} cannot be read ({Error}); not registered yet", job.Name, version, e.Message);
            return;
        }
        if (JobVersionContent.Hash(modules) != version)
        {
            return; // edited since it loaded: the reload brings the next version, registered then
        }
        await registry.RegisterAsync(job.Name, version, modules, "jobs-directory", $"loaded from {module.Path}", Declaration(module.Declaration), VersionState.Local,
            cancellationToken);
        registered.Add(version);
    }

    /// <summary>The declaration as stored in the registry (triggers with their filters, consistency, parameters, outputs).</summary>
    public static JsonElement Declaration(JobDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        return JsonSerializer.SerializeToElement(new
        {
            name = declaration.Name,
            description = declaration.Description,
            triggers = declaration.Triggers.Select(t => new { source = t.Source, where = t.Where }),
            consistency = declaration.Consistency.ToString(),
            parameters = declaration.Parameters.Select(p => new { name = p.Name, type = p.Type.ToString(), @default = p.Default, description = p.Description, min = p.Min, max = p.Max }),
            outputs = declaration.Outputs.Select(o => new { name = o.Name, type = o.Type.ToString(), description = o.Description, nullable = o.Nullable }),
        });
    }
}
