using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// Starts the runtime once the event center is ready: the process's Python host, the runtime's tables (feature store,
/// error log, parameters, job switches), and the job registry loaded from the jobs directory with the stored parameter values
/// applied (and the operators' stored enable/disable switches); the loaded versions are recorded in the job version log. <see cref="Ready"/> completes when done; live jobs, readiness and APIs wait on it.
/// </summary>
public sealed class RuntimeStartup(
    RuntimeSettings settings,
    EventCenterStartup eventCenter,
    EventCenterDataSource dataSource,
    FeatureStore features,
    JobErrorLog errors,
    ParameterStore parameters,
    ParameterSync parameterSync,
    JobSwitchStore switches,
    JobVersionLog versions,
    TimeProvider clock,
    LoadedJobs loaded,
    Repair.ResultLog results,
    Repair.ReadIndex reads,
    Quarantine.QuarantineLog quarantine,
    Jobs.Publishing.JobVersionStore registryStore,
    Jobs.Publishing.PublishedVersionSync published,
    Workers.WorkerSupervisor workers,
    Models.ModelRegistry models,
    ILogger<RuntimeStartup> logger) : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PythonHost? host;
    private JobRegistry? registry;

    /// <summary>Completes when the Python host runs and the jobs are loaded; faults with the reason when they cannot be.</summary>
    public Task Ready => ready.Task;

    /// <summary>
    /// Waits for <see cref="Ready"/> in a background service: true when the runtime started; false when it failed to
    /// (start-up logged why, readiness reports it, and the host stays up without the service) or
    /// <paramref name="stoppingToken"/> stopped the wait.
    /// </summary>
    public async Task<bool> WaitStartedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Ready.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception) when (Ready.IsFaulted)
        {
            return false;
        }
    }

    /// <summary>The Python host (after <see cref="Ready"/>).</summary>
    public PythonHost Host => host ?? throw new InvalidOperationException("The runtime has not started.");

    /// <summary>The loaded jobs (after <see cref="Ready"/>).</summary>
    public JobRegistry Registry => registry ?? throw new InvalidOperationException("The runtime has not started.");

    /// <summary>The data source serving the jobs' fetches from the event center.</summary>
    public EventCenterDataSource DataSource => dataSource;

    /// <summary>The jobs loaded so far (empty before <see cref="Ready"/>).</summary>
    public IReadOnlyCollection<RegisteredJob> Jobs => registry?.Jobs ?? [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await eventCenter.Ready.WaitAsync(cancellationToken);
            await features.EnsureTableAsync(cancellationToken);
            await errors.EnsureTableAsync(cancellationToken);
            await parameters.EnsureTableAsync(cancellationToken);
            await switches.EnsureTableAsync(cancellationToken);
            await results.EnsureTableAsync(cancellationToken);
            await reads.EnsureTableAsync(cancellationToken);
            await versions.EnsureTableAsync(cancellationToken);
            await quarantine.EnsureTableAsync(cancellationToken);
            await registryStore.EnsureTableAsync(cancellationToken);
            await models.EnsureTableAsync(cancellationToken);
            host = await PythonHost.StartAsync(settings.Python with { ModelDirectory = models.Directory }, cancellationToken);
            // Process mode: job modules are imported in a worker process, never here (module-level code included).
            host.JobDescriber = workers.JobLoader;
            if (!Directory.Exists(settings.JobsDirectory))
            {
                throw new DirectoryNotFoundException($"Runtime:JobsDirectory '{settings.JobsDirectory}' does not exist.");
            }
            var disabled = settings.Jobs.Where(kv => !kv.Value.Enabled).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            registry = await JobRegistry.LoadAsync(host, settings.JobsDirectory, DataSource, disabled);
            loaded.Set(registry);
            // Every run of every job (live, replay, repair, retries, calls; added and candidate versions too) goes to its
            // worker lane (Process mode).
            registry.UseLogic(workers.For);
            foreach (var job in registry.Jobs)
            {
                job.TrackVersions(versions, clock);
            }
            await versions.FlushAsync(cancellationToken);
            foreach (var job in registry.Jobs.Where(j => !settings.Jobs.ContainsKey(j.Name)))
            {
                job.Enabled = settings.EnableJobsByDefault;
            }
            // Switches operators set at run time (stored) override configuration.
            await switches.ApplyAsync(registry.Jobs, new Dictionary<string, long>(StringComparer.Ordinal), cancellationToken);
            // Values operators set earlier apply before the first event runs.
            await parameterSync.SyncOnceAsync(cancellationToken);
            // So do the versions promoted in the job registry (and the directory's versions are registered).
            await published.SyncOnceAsync(host, DataSource, registry, Adopt, cancellationToken);
            foreach (var error in registry.LoadErrors)
            {
                logger.LogError("Job module failed to load: {Error}", error.Message);
            }
            logger.LogInformation("Runtime ready: Python {Version}, {Jobs} jobs from {Directory} ({Enabled} enabled, {Errors} failed to load)",
                host.Installation.Version, registry.Jobs.Count, settings.JobsDirectory, registry.Jobs.Count(j => j.Enabled), registry.LoadErrors.Count);
            ready.TrySetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The host stays up (APIs, diagnostics); readiness reports the failure.
            logger.LogError(e, "The runtime failed to start");
            ready.TrySetException(e);
        }
    }

    /// <summary>
    /// Wraps a job the job registry brought (promoted, in no jobs directory) as this process's jobs directory's jobs are:
    /// enabled as configured (<see cref="RuntimeSettings.Jobs"/>, else <see cref="RuntimeSettings.EnableJobsByDefault"/>;
    /// a switch operators stored applies on the live jobs service's next pass), its versions recorded in the version log.
    /// </summary>
    internal RegisteredJob Adopt(PyBridge.Jobs.LoadedJob loaded)
    {
        var enabled = settings.Jobs.TryGetValue(loaded.Declaration.Name, out var configured) ? configured.Enabled : settings.EnableJobsByDefault;
        var job = new RegisteredJob(loaded, enabled, fromJobsDirectory: false);
        job.TrackVersions(versions, clock);
        return job;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await workers.DisposeAsync();
        if (registry is not null)
        {
            await registry.DisposeAsync();
        }
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}
