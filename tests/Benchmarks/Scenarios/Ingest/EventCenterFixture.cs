using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Platform;
using FeaturePlatform.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>
/// A fresh embedded event center (hot + cold) in a temporary folder, built by <c>AddEventCenter</c> as the host builds
/// it, on the scenario's bus and sources.
/// </summary>
internal sealed class EventCenterFixture : IAsyncDisposable
{
    private readonly string directory;
    private readonly ServiceProvider services;

    private EventCenterFixture(EventCenterSettings settings, IMessageBus? bus, bool counting)
    {
        directory = settings.DataDirectory;
        services = EventCenterGraph.Build(settings, bus, s =>
        {
            if (counting)
            {
                // Count the stores' calls as the event center makes them (the adapters wrapped where they are registered).
                s.DecorateKeyed<IWideTableStore>(StoreRole.Hot, store => new CountingWideTableStore(store));
                s.DecorateKeyed<IWideTableStore>(StoreRole.Cold, store => new CountingWideTableStore(store));
            }
        });
        HotCounter = services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot) as CountingWideTableStore;
        ColdCounter = services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Cold) as CountingWideTableStore;
        Events = services.GetRequiredService<TieredEventStore>();
        Watermarks = services.GetRequiredService<IWatermarkStore>();
        DeadLetters = services.GetRequiredService<TableDeadLetterStore>();
        Signal = services.GetRequiredService<WatermarkSignal>();
        Waiter = services.GetRequiredService<ConsistencyWaiter>();
        Counters = services.GetRequiredService<IngestCounters>();
    }

    /// <summary>Counts the hot store's calls (when created with counting).</summary>
    public CountingWideTableStore? HotCounter { get; }

    /// <summary>Counts the cold store's calls (when created with counting).</summary>
    public CountingWideTableStore? ColdCounter { get; }

    public TieredEventStore Events { get; }

    public IWatermarkStore Watermarks { get; }

    public TableDeadLetterStore DeadLetters { get; }

    public WatermarkSignal Signal { get; }

    public ConsistencyWaiter Waiter { get; }

    public IngestCounters Counters { get; }

    /// <summary>An event center on <paramref name="bus"/> (if any) with <paramref name="sources"/> registered, tables created.</summary>
    public static async Task<EventCenterFixture> CreateAsync(IMessageBus? bus = null, IReadOnlyList<SourceDefinition>? sources = null, bool counting = false)
    {
        var fixture = new EventCenterFixture(new EventCenterSettings
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), UniqueName.For("bench-ec")),
            Sources = sources ?? [],
            // A window reaching back far enough that the synthetic 2026 events are hot, as live events are.
            HotWindow = TimeSpan.FromDays(3650),
        }, bus, counting);
        await fixture.Events.EnsureTablesAsync();
        await fixture.Watermarks.EnsureTableAsync();
        await fixture.DeadLetters.EnsureTableAsync();
        return fixture;
    }

    /// <summary>An ingest worker of this event center (as the host's ingest service makes them) with <paramref name="options"/>.</summary>
    public IngestWorker CreateWorker(IngestOptions options) => services.GetRequiredService<IngestWorkerFactory>().Create(options);

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
