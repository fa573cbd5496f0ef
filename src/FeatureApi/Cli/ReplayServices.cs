using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Runs;

namespace FeaturePlatform.FeatureApi.Cli;

/// <summary>
/// What the replay command needs beyond the event center: the Python host, the job registry, the error log and the
/// run manager. Built here from the event center's services because the runtime is not registered in DI yet
/// (<c>AddRuntime</c>); when it is, the command takes these from the service provider instead.
/// </summary>
internal sealed class ReplayServices : IAsyncDisposable
{
    /// <summary>Configuration key of the jobs directory.</summary>
    public const string JobsDirectoryKey = "Runtime:JobsDirectory";

    /// <summary>Configuration section of the Python host's options.</summary>
    public const string PythonSectionKey = "Runtime:Python";

    /// <summary>Configuration key of the fetch timeout (default 30 s).</summary>
    public const string FetchTimeoutKey = "Runtime:FetchTimeout";

    private ReplayServices(PythonHost python, JobRegistry jobs, RunManager runs, FeatureStore features)
    {
        Python = python;
        Jobs = jobs;
        Runs = runs;
        Features = features;
    }

    public PythonHost Python { get; }

    public JobRegistry Jobs { get; }

    public RunManager Runs { get; }

    public FeatureStore Features { get; }

    /// <summary>Starts Python and loads the jobs of <paramref name="jobsDirectory"/> over the event center in <paramref name="services"/>.</summary>
    /// <remarks>Configuration keys are those of the runtime's settings (<c>Runtime:JobsDirectory</c>, <c>Runtime:Python</c>, <c>Runtime:FetchTimeout</c>).</remarks>
    public static async Task<ReplayServices> StartAsync(IServiceProvider services, string jobsDirectory, PythonHostOptions pythonOptions, TimeSpan fetchTimeout,
        CancellationToken cancellationToken)
    {
        var hot = services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot);
        var events = services.GetRequiredService<IEventReader>();
        var dataSource = EventCenterDataSource.Create(events, services.GetRequiredService<ConsistentFetcher>(),
            services.GetRequiredService<IWatermarkStore>(), fetchTimeout, SettledStateCache.DefaultCapacity);
        var errors = new JobErrorLog(hot);
        await errors.EnsureTableAsync(cancellationToken);
        var features = new FeatureStore(hot);
        await features.EnsureTableAsync(cancellationToken);
        var python = await PythonHost.StartAsync(pythonOptions, cancellationToken);
        try
        {
            var jobs = await JobRegistry.LoadAsync(python, jobsDirectory, dataSource);
            var runs = new RunManager(jobs, events, dataSource, errors, loggers: services.GetService<ILoggerFactory>());
            return new ReplayServices(python, jobs, runs, features);
        }
        catch
        {
            await python.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Runs.DisposeAsync();
        await Jobs.DisposeAsync();
        await Python.DisposeAsync();
    }
}
