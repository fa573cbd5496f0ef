using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.Testing.Platform;
using Microsoft.Extensions.DependencyInjection;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// An event center on embedded hot and cold stores, fed by ingest workers over a given bus; workers can be
/// started, crashed (cancelled without committing) and restarted.
/// </summary>
internal sealed class IngestHarness : IAsyncDisposable
{
    private readonly List<(CancellationTokenSource Stop, Task Run)> workers = [];

    private readonly ServiceProvider services;
    private readonly string directory;

    private IngestHarness(IMessageBus bus, EventCenterSettings settings)
    {
        Bus = bus;
        directory = settings.DataDirectory;
        services = EventCenterGraph.Build(settings, bus);
        Sources = services.GetRequiredService<SourceRegistry>();
        Options = settings.Ingest;
        Events = services.GetRequiredService<TieredEventStore>();
        Watermarks = services.GetRequiredService<IWatermarkStore>();
        DeadLetters = services.GetRequiredService<TableDeadLetterStore>();
        Signal = services.GetRequiredService<WatermarkSignal>();
        Waiter = services.GetRequiredService<ConsistencyWaiter>();
        Counters = services.GetRequiredService<IngestCounters>();
        Workers = services.GetRequiredService<IngestWorkerFactory>();
    }

    public IMessageBus Bus { get; }

    public SourceRegistry Sources { get; }

    public IngestOptions Options { get; }

    public TieredEventStore Events { get; }

    public IWatermarkStore Watermarks { get; }

    public TableDeadLetterStore DeadLetters { get; }

    public WatermarkSignal Signal { get; }

    public ConsistencyWaiter Waiter { get; }

    public IngestCounters Counters { get; }

    private IngestWorkerFactory Workers { get; }

    public static async Task<IngestHarness> StartAsync(IMessageBus bus, IEnumerable<SourceDefinition> sources, IngestOptions? options = null, Uri? rabbitMqUri = null)
    {
        // Tests declare short bounds unless they set their own: idle sources advance within 100 ms, in-order data exactly.
        var quick = sources.Select(s => s with { MaxDelay = s.MaxDelay ?? TimeSpan.FromMilliseconds(100), MaxOutOfOrderness = s.MaxOutOfOrderness ?? TimeSpan.Zero });
        var harness = new IngestHarness(bus, new EventCenterSettings
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("ingest")),
            Sources = [.. quick],
            RabbitMqUri = rabbitMqUri,
            Ingest = options ?? new IngestOptions
            {
                GroupId = UniqueName.For("ingest"),
                MaxBatchWait = TimeSpan.FromMilliseconds(50),
                IdlePartitionTimeout = TimeSpan.FromMilliseconds(300),
                RetryDelay = TimeSpan.FromMilliseconds(50),
            },
        });
        await harness.Events.EnsureTablesAsync();
        await harness.Watermarks.EnsureTableAsync();
        await harness.DeadLetters.EnsureTableAsync();
        return harness;
    }

    /// <summary>Starts one more ingest worker (group member), optionally writing through <paramref name="writer"/>.</summary>
    public void StartWorker(IEventWriter? writer = null)
    {
        var worker = Workers.Create(writer: writer);
        var stop = new CancellationTokenSource();
        workers.Add((stop, worker.RunAsync(stop.Token)));
    }

    /// <summary>Stops every worker as a crash would: whatever they had not committed is re-delivered.</summary>
    public async Task StopWorkersAsync()
    {
        foreach (var (stop, run) in workers)
        {
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        }
        workers.Clear();
    }

    /// <summary>Polls <paramref name="condition"/> until true or the timeout; fails with <paramref name="what"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
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
        await StopWorkersAsync();
        await services.DisposeAsync();
        await Bus.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
