using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.DependencyInjection;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Workers;

namespace FeaturePlatform.Runtime.Tests;

/// <summary>
/// A whole platform in one process for runtime tests: embedded hot/cold stores, the given bus, an ingest worker,
/// consistency waits, the event-center data source, the error log and the feature store.
/// </summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly SourceDefinition Orders = new() { Name = "orders", Format = SourceFormat.Json, KeyFields = ["user_id"], TimeField = "t", IdField = "oid" };
    public static readonly SourceDefinition Profiles = new() { Name = "profiles", Format = SourceFormat.Json, KeyFields = ["user_id"], TimeField = "t", IdField = "pid" };

    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("runtime"));
    private readonly List<(CancellationTokenSource Stop, Task Run)> background = [];
    private readonly ServiceProvider services;

    private RuntimeHarness(IMessageBus? bus, IReadOnlyList<SourceDefinition> sources)
    {
        Bus = bus;
        // Tests declare short bounds unless they set their own: idle sources advance within 50 ms, in-order data exactly.
        var settings = new EventCenterSettings
        {
            DataDirectory = directory,
            Sources = [.. sources.Select(s => s with { MaxDelay = s.MaxDelay ?? TimeSpan.FromMilliseconds(50), MaxOutOfOrderness = s.MaxOutOfOrderness ?? TimeSpan.Zero })],
            Ingest = new IngestOptions
            {
                GroupId = UniqueName.For("ingest"),
                MaxBatchWait = TimeSpan.FromMilliseconds(20),
                IdlePartitionTimeout = TimeSpan.FromMilliseconds(200),
            },
        };
        // The runtime's graph as the host builds it (its hosted services are not started: no Python host, no live jobs).
        services = EventCenterGraph.Build(settings, bus, s => s.AddRuntime(new RuntimeSettings { JobsDirectory = directory, FetchTimeout = TimeSpan.FromSeconds(30), Workers = new() { Mode = WorkerMode.InProcess } }));
        Sources = services.GetRequiredService<SourceRegistry>();
        Hot = services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot);
        Events = services.GetRequiredService<TieredEventStore>();
        Watermarks = services.GetRequiredService<IWatermarkStore>();
        DeadLetters = services.GetRequiredService<TableDeadLetterStore>();
        Signal = services.GetRequiredService<WatermarkSignal>();
        Waiter = services.GetRequiredService<ConsistencyWaiter>();
        Fetcher = services.GetRequiredService<ConsistentFetcher>();
        DataSource = services.GetRequiredService<EventCenterDataSource>();
        Errors = services.GetRequiredService<JobErrorLog>();
        Features = services.GetRequiredService<FeatureStore>();
        IngestCounters = services.GetRequiredService<IngestCounters>();
    }

    public IMessageBus? Bus { get; }

    public SourceRegistry Sources { get; }

    /// <summary>The hot store (where the runtime keeps its tables).</summary>
    public IWideTableStore Hot { get; }

    public TieredEventStore Events { get; }

    public IWatermarkStore Watermarks { get; }

    public TableDeadLetterStore DeadLetters { get; }

    public WatermarkSignal Signal { get; }

    public ConsistencyWaiter Waiter { get; }

    public ConsistentFetcher Fetcher { get; }

    public EventCenterDataSource DataSource { get; }

    public JobErrorLog Errors { get; }

    public FeatureStore Features { get; }

    public IngestCounters IngestCounters { get; }

    public static async Task<RuntimeHarness> StartAsync(IMessageBus? bus, params SourceDefinition[] sources)
    {
        var harness = new RuntimeHarness(bus, sources);
        await harness.Events.EnsureTablesAsync();
        await harness.Watermarks.EnsureTableAsync();
        await harness.DeadLetters.EnsureTableAsync();
        await harness.Errors.EnsureTableAsync();
        await harness.Features.EnsureTableAsync();
        return harness;
    }

    /// <summary>Starts the ingest job (one worker) on the bus.</summary>
    public void StartIngest()
    {
        var worker = services.GetRequiredService<IngestWorkerFactory>().Create();
        Run(worker.RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> until the harness is disposed.</summary>
    public void Run(Func<CancellationToken, Task> work)
    {
        var stop = new CancellationTokenSource();
        background.Add((stop, work(stop.Token)));
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, run) in background)
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
            stop.Dispose();
        }
        await services.DisposeAsync();
        if (Bus is not null)
        {
            await Bus.DisposeAsync();
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An output that keeps what it was given, for comparing runs.</summary>
internal sealed class CollectingOutput : IJobOutput
{
    private readonly List<FeatureResult> results = [];

    public string Name => "collect";

    public IReadOnlyList<FeatureResult> Results
    {
        get
        {
            lock (results)
            {
                return [.. results];
            }
        }
    }

    /// <summary>Each result as "resultId: col=value;…", sorted: the canonical form runs are compared in.</summary>
    public IReadOnlyList<string> Canonical() => Results
        .Select(r => r.ResultId + ": " + string.Join(';', r.Values.Select(v => $"{v.Key}={Format(v.Value)}")))
        .Distinct()
        .Order(StringComparer.Ordinal)
        .ToList();

    public ValueTask WriteAsync(IReadOnlyList<FeatureResult> batch, CancellationToken cancellationToken)
    {
        lock (results)
        {
            results.AddRange(batch);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
