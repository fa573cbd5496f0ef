using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.FeatureApi.Replay.Backtests;

/// <summary>
/// Backtests of the API: a <see cref="RunManager"/> over the host's job registry (created when the registry is first
/// available), writing each run's results as backtest files (<c>results.csv</c>, <c>results.jsonl</c>) in
/// <c>&lt;result root&gt;/&lt;run id&gt;</c>. Uploaded sample tables are kept under <c>&lt;result root&gt;/uploads</c>.
/// </summary>
internal sealed class BacktestRunner(JobCatalog catalog, RunManagerFactory runs, EventCenterSettings eventCenter, IConfiguration configuration, TimeProvider clock) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly BacktestSettings settings = configuration.GetSection(BacktestSettings.SectionName).Get<BacktestSettings>() ?? new BacktestSettings();
    private RunManager? manager;
    private JobRegistry? managerRegistry;
    private bool disposed;

    /// <summary>The jobs backtests can run.</summary>
    public JobCatalog Catalog => catalog;

    /// <summary>The settings in effect.</summary>
    public BacktestSettings Settings => settings;

    /// <summary>Parent of the runs' result directories.</summary>
    public string ResultRoot => Path.GetFullPath(settings.ResultRoot
        ?? Path.Combine(eventCenter.DataDirectory, "backtests"));

    /// <summary>The run manager, or null while the host has no job registry.</summary>
    public RunManager? Manager
    {
        get
        {
            var registry = catalog.Registry;
            if (registry is null)
            {
                return null;
            }
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                if (manager is null || !ReferenceEquals(managerRegistry, registry))
                {
                    // The runtime's data source: a backtest fetches with the live jobs' settings (timeouts, cache).
                    manager = runs.Create(registry, new RunManagerOptions { ResultRoot = ResultRoot }, Files(includeLabel: false));
                    managerRegistry = registry;
                }
                return manager;
            }
        }
    }

    /// <summary>Outputs of a run: its backtest files (CSV, JSON lines, Parquet); <paramref name="includeLabel"/> adds the sample rows' labels.</summary>
    public static RunOutputFactory Files(bool includeLabel) => BacktestOutputs.Files(includeLabel);

    /// <summary>A new path for an uploaded sample table with the given extension (<c>.csv</c> or <c>.jsonl</c>).</summary>
    public string NewUploadPath(string extension)
    {
        var directory = Path.Combine(ResultRoot, "uploads");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}{extension}");
    }

    public async ValueTask DisposeAsync()
    {
        RunManager? toDispose;
        lock (gate)
        {
            disposed = true;
            toDispose = manager;
            manager = null;
        }
        if (toDispose is not null)
        {
            await toDispose.DisposeAsync();
        }
    }
}
