using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>
/// Makes run managers (replays, backtests, backfills) over the runtime's own data source, error log and metrics, so a
/// replay fetches exactly as the live jobs do. The API's backtests and the command-line replay both come through here.
/// </summary>
public sealed class RunManagerFactory(RuntimeStartup startup, IEventReader events, JobErrorLog errors, RuntimeMetrics metrics, ILoggerFactory loggers, TimeProvider clock,
    IParameterStore parameters, Quarantine.EventQuarantine? quarantine = null)
{
    /// <summary>A run manager for the jobs of <paramref name="jobs"/>; runs use the stored parameter history.</summary>
    public RunManager Create(JobRegistry jobs, RunManagerOptions? options = null, RunOutputFactory? defaultOutputs = null) =>
        new(jobs, events, startup.DataSource, errors, options, defaultOutputs, loggers, clock, metrics, parameters, quarantine);
}
