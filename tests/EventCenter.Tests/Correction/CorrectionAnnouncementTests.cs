using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.EventCenter.Tests.Correction;

/// <summary>
/// Announcements of corrected events reach repair once: two platform processes with a listener (two members of the
/// announcement group on one bus) and one without; every announced event is handed to exactly one listener, once,
/// after it is stored (a run announces before it writes).
/// </summary>
public sealed class CorrectionAnnouncementTests : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("announce"));
    private EmbeddedWideTableStore store = null!;
    private EmbeddedMessageBus bus = null!;
    private EventStore events = null!;

    public async Task InitializeAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(directory, "store") });
        bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(directory, "bus") });
        events = new EventStore(store);
        await events.EnsureTablesAsync();
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Each_announced_correction_is_handed_to_one_listener_once_after_it_is_stored()
    {
        var settings = new EventCenterSettings { DataDirectory = directory, Correction = new CorrectionOptions { Topic = UniqueName.For("corrections") } };
        var listeners = new[] { new Recording(), new Recording() };
        var sources = new SourceRegistry([new SourceDefinition { Name = "accounts", Format = SourceFormat.Json, KeyFields = ["id"], Mirror = new MirroredTable("main", "accounts", ["id"]) }]);
        using var stop = new CancellationTokenSource();
        var processes = new List<Microsoft.Extensions.Hosting.BackgroundService>();
        foreach (var listener in new ICorrectionListener?[] { listeners[0], listeners[1], null })
        {
            var metadata = new EventCenter.MetadataStore.WideTableMetadataStore(store);
            var startup = new EventCenterStartup(settings, events, new WatermarkStore(store), new TableDeadLetterStore(store), bus, sources,
                metadata, new SourceSync(sources, [.. sources.All], metadata, NullLogger<SourceSync>.Instance), NullLogger<EventCenterStartup>.Instance);
            await startup.StartAsync(CancellationToken.None);
            var service = new CorrectionAnnouncementService(settings, startup, bus, events, new CorrectionAnnouncer(bus, settings.Correction),
                listener is null ? [] : [listener], sources, TimeProvider.System, NullLogger<CorrectionAnnouncementService>.Instance);
            await service.StartAsync(stop.Token);
            processes.Add(service);
        }

        await using var announcer = new CorrectionAnnouncer(bus, settings.Correction);
        var written = new List<string>();
        for (var run = 0; run < 10; run++)
        {
            var batch = Enumerable.Range(0, 3).Select(i => Correction($"k{run}-{i}", run * 3 + i)).ToList();
            await announcer.AnnounceAsync("accounts", [.. batch.Select(e => e.EventId)]);
            await events.WriteAsync(batch); // stored after it was announced, as a correction run does
            written.AddRange(batch.Select(e => e.EventId));
        }

        await Poll.UntilAsync(() => Task.FromResult(listeners.Sum(l => l.Received.Count) >= written.Count), "every announced event delivered", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        foreach (var service in processes)
        {
            await service.StopAsync(CancellationToken.None);
        }
        await using (var probe = bus.CreateConsumer(CorrectionAnnouncementService.GroupId, [settings.Correction.Topic]))
        {
            Assert.Equal(10, await probe.GetCommittedAsync(settings.Correction.Topic, 0)); // taken for good: not delivered again
        }

        var delivered = listeners.SelectMany(l => l.Received).ToList();
        Assert.Equal(written.Order(StringComparer.Ordinal), delivered.Select(e => e.EventId).Order(StringComparer.Ordinal));
        Assert.All(delivered, e => Assert.Equal("accounts", e.Source));
    }

    private static ChangeEvent Correction(string key, int index) => new()
    {
        Source = "accounts",
        EntityKey = key,
        Operation = EventOperation.Update,
        EventTime = 1_767_225_600_000 + index,
        IngestTime = 1_767_225_600_000 + index,
        Position = new SourcePosition("correction:1767225600000", 0, index),
        EventId = "#c" + index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        After = Encoding.UTF8.GetBytes($$"""{"id":"{{key}}"}"""),
    };

    private sealed class Recording : ICorrectionListener
    {
        private readonly List<ChangeEvent> received = [];

        public IReadOnlyList<ChangeEvent> Received
        {
            get
            {
                lock (received)
                {
                    return [.. received];
                }
            }
        }

        public Task CorrectedAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken)
        {
            lock (received)
            {
                received.AddRange(stored);
            }
            return Task.CompletedTask;
        }
    }
}
