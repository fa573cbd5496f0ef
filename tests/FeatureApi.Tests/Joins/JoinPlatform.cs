using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// The production host (<see cref="PlatformFactory"/>) with two related Json sources A and B (key <c>pair</c>, time
/// field <c>t</c>, id field <c>id</c>), their declared bounds, and a jobs directory holding the given job modules.
/// Extra settings (the bus, topics, timeouts) override the defaults. The bundled example jobs are switched off.
/// </summary>
public sealed class JoinPlatform : PlatformFactory
{
    /// <summary>The sources' declared MaxOutOfOrderness (the Json default).</summary>
    public static readonly TimeSpan MaxOutOfOrderness = TimeSpan.FromSeconds(1);

    /// <summary>The sources' declared MaxDelay: small so idle waits are short.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(1500);

    private readonly Dictionary<string, string> settings;
    private readonly ILoggerProvider? logs;

    /// <param name="sources">The sources' names (A then B, …), each index after the host's own five.</param>
    /// <param name="jobs">Job modules (name, Python source); each writes to the event center.</param>
    /// <param name="extra">Settings added last (the bus, topics of the sources, …).</param>
    /// <param name="logs">Also receives the host's log, every level (it keeps what it wants).</param>
    public JoinPlatform(IReadOnlyList<string> sources, IReadOnlyList<(string Name, string Source)> jobs, IReadOnlyDictionary<string, string>? extra = null,
        ILoggerProvider? logs = null)
    {
        this.logs = logs;
        JobsDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("join-jobs"));
        Directory.CreateDirectory(JobsDirectory);
        settings = new Dictionary<string, string>
        {
            ["Runtime:JobsDirectory"] = JobsDirectory,
            ["Runtime:Jobs:order_stats_30d:Enabled"] = "false",
            ["Runtime:Jobs:repayment_risk:Enabled"] = "false",
            // The join tests check what a computation sees when it runs; late-data repair would replace the eventual
            // job's results afterwards (tests of the repair turn it on).
            ["Runtime:Repair:Enabled"] = "false",
            ["Runtime:Live:MaxBatchMessages"] = "50",
            ["Runtime:Live:MaxBatchWait"] = "00:00:00.010",
            ["Runtime:FetchTimeout"] = "00:00:10",
            // Live batches run on the bulk lane: with its default single worker a job waiting at fetch_strong holds
            // up every other job's batches (the eventual job would then see what it should miss).
            ["Runtime:Python:BulkWorkers"] = "4",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < sources.Count; i++)
        {
            var prefix = $"EventCenter:Sources:{5 + i}:";
            settings[prefix + "Name"] = sources[i];
            settings[prefix + "Format"] = "Json";
            settings[prefix + "KeyFields:0"] = "pair";
            settings[prefix + "TimeField"] = "t";
            settings[prefix + "IdField"] = "id";
            settings[prefix + "MaxOutOfOrderness"] = MaxOutOfOrderness.ToString("c");
            settings[prefix + "MaxDelay"] = MaxDelay.ToString("c");
        }
        foreach (var (name, source) in jobs)
        {
            File.WriteAllText(Path.Combine(JobsDirectory, name + ".py"), source);
            settings[$"Runtime:Jobs:{name}:Outputs:0:Kind"] = "EventCenter";
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
    }

    /// <summary>Whether proposals and reviews go to the runtime's jobs and shared parameter store (default: the in-memory fake).</summary>
    public bool RealParameters { get; init; }

    /// <inheritdoc />
    protected override bool UsesInMemoryParameters => !RealParameters;

    /// <summary>Where the job modules are.</summary>
    public string JobsDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        if (logs is not null)
        {
            // Every level reaches it (it chooses what to keep); the settings' levels still apply to the host's other loggers.
            builder.ConfigureLogging(logging => logging.AddProvider(logs).Services.Configure<LoggerFilterOptions>(options =>
                options.Rules.Add(new LoggerFilterRule(logs.GetType().FullName, null, LogLevel.Trace, null))));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(JobsDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
