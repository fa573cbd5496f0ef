using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Storage;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>A fresh embedded event center (hot + cold) in a temporary folder.</summary>
internal sealed class EventCenterFixture : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("bench-ec"));

    private EventCenterFixture(bool counting)
    {
        Hot = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(directory, "hot") });
        Cold = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(directory, "cold") });
        HotCounter = counting ? new CountingWideTableStore(Hot) : null;
        ColdCounter = counting ? new CountingWideTableStore(Cold) : null;
        IWideTableStore hot = HotCounter ?? (IWideTableStore)Hot;
        IWideTableStore cold = ColdCounter ?? (IWideTableStore)Cold;
        // A window reaching back far enough that the synthetic 2026 events are hot, as live events are.
        Events = new TieredEventStore(hot, cold, options: new TieringOptions { HotWindow = TimeSpan.FromDays(3650) });
        Watermarks = new WatermarkStore(hot);
        DeadLetters = new TableDeadLetterStore(hot);
        Waiter = new ConsistencyWaiter(Watermarks, Signal);
    }

    public EmbeddedWideTableStore Hot { get; }

    public EmbeddedWideTableStore Cold { get; }

    /// <summary>Counts the hot store's calls (when created with counting).</summary>
    public CountingWideTableStore? HotCounter { get; }

    /// <summary>Counts the cold store's calls (when created with counting).</summary>
    public CountingWideTableStore? ColdCounter { get; }

    public TieredEventStore Events { get; }

    public WatermarkStore Watermarks { get; }

    public TableDeadLetterStore DeadLetters { get; }

    public WatermarkSignal Signal { get; } = new();

    public ConsistencyWaiter Waiter { get; }

    public IngestCounters Counters { get; } = new();

    public static async Task<EventCenterFixture> CreateAsync(bool counting = false)
    {
        var fixture = new EventCenterFixture(counting);
        await fixture.Events.EnsureTablesAsync();
        await fixture.Watermarks.EnsureTableAsync();
        await fixture.DeadLetters.EnsureTableAsync();
        return fixture;
    }

    public async ValueTask DisposeAsync()
    {
        await Hot.DisposeAsync();
        await Cold.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
