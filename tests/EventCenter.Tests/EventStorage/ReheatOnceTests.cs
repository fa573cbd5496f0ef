using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Tests.Events.Support;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Storage;
using FeaturePlatform.EventCenter.Tests.Adapters.HBase;
namespace FeaturePlatform.EventCenter.Tests.EventStorage;

/// <summary>
/// Reads reaching before the hot window copy ("re-heat") each cold row into hot once: repeated and overlapping
/// replays, histories and as-of reads, with the clock (and so the window) moving between rounds, put no more
/// re-heated cells after the first round, and answer exactly what the cold store alone answers.
/// </summary>
public abstract class ReheatOnceTests<TFactory>(TFactory factory) where TFactory : IWideTableStoreFactory
{
    private const int Entities = 20;
    private const int EventsPerEntity = 10;
    private const int Rounds = 4;
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    [Fact]
    public async Task Repeated_and_overlapping_reads_past_the_window_reheat_each_row_once()
    {
        var hotStore = new CountingWideTableStore(await factory.CreateAsync());
        await using var coldStore = await factory.CreateAsync();
        await using var _ = hotStore;
        var realNow = DateTimeOffset.UtcNow;
        var clock = new ManualClock(realNow.AddDays(-3));
        var hotTables = new EventTableOptions { TablePrefix = UniqueName.For("hot"), SaltBuckets = 4, ScanPageSize = 7 };
        var coldTables = hotTables with { TablePrefix = UniqueName.For("cold") };
        var tiered = new TieredEventStore(hotStore, coldStore, hotTables, coldTables, new TieringOptions { Clock = clock });
        await tiered.EnsureTablesAsync();
        var truth = new EventStore(coldStore, coldTables);

        // Events 45..35 days old, written with the clock 3 days back: their hot copies are already expired, so they
        // are only in cold (as after a day), and every read of them goes past the window.
        var t0 = realNow.ToUnixTimeMilliseconds() - (45 * Day);
        var events = Enumerable.Range(0, Entities * EventsPerEntity)
            .Select(i => EventStoreTests<TFactory>.Event($"k{i % Entities}", t0 + (i * Day / 20), i % 3, i, EventOperation.Update, $"{{\"v\":{i}}}"))
            .ToArray();
        await tiered.WriteAsync(events);
        clock.Now = realNow;
        var reheatedCellsBefore = hotStore.CellsPut("r");

        var firstRound = await ReadRoundAsync(tiered, t0);
        Assert.Equal(await ReadRoundAsync(truth, t0), firstRound);
        var reheatedCellsAfterFirst = hotStore.CellsPut("r");
        for (var round = 1; round < Rounds; round++)
        {
            // The window moves between rounds (seconds to an hour): markers are absolute, so nothing is copied again.
            clock.Now = clock.Now.AddMinutes(round * round * 7).AddSeconds(1);
            Assert.Equal(firstRound, await ReadRoundAsync(tiered, t0));
        }

        Assert.True(reheatedCellsAfterFirst > reheatedCellsBefore);
        Assert.True(
            tiered.Counters.ReheatedEvents == events.Length && hotStore.CellsPut("r") == reheatedCellsAfterFirst,
            $"{events.Length} cold events, re-heated {tiered.Counters.ReheatedEvents} times ({hotStore.CellsPut("r") - reheatedCellsBefore} cells, {reheatedCellsAfterFirst - reheatedCellsBefore} after the first round); {tiered.Counters}");
    }

    /// <summary>Overlapping replays, histories and as-of reads, all reaching before the window; the answers in order.</summary>
    private static async Task<List<string>> ReadRoundAsync(IEventReader reader, long t0)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var answers = new List<string>();
        foreach (var (from, to) in new[] { (t0, t0 + (4 * Day)), (t0 + (2 * Day), t0 + (8 * Day)), (t0 - Day, now) })
        {
            await foreach (var e in reader.ReplayAsync("src", from, to))
            {
                answers.Add($"replay {e.EventId}");
            }
        }
        for (var k = 0; k < Entities; k++)
        {
            await foreach (var e in reader.GetHistoryAsync("src", $"k{k}", t0 + (k % 5 * Day), now))
            {
                answers.Add($"history {e.EventId}");
            }
            foreach (var asOf in new[] { now, t0 + (6 * Day), t0 + (3 * Day) })
            {
                answers.Add($"as-of {(await reader.GetLatestEventAsync("src", $"k{k}", asOf))?.EventId}");
            }
        }
        return answers;
    }
}

public sealed class InMemoryReheatOnceTests() : ReheatOnceTests<InMemoryStoreFactory>(new());

public sealed class EmbeddedReheatOnceTests() : ReheatOnceTests<EmbeddedStoreFactory>(new());

[Collection(HBaseCollection.Name)]
public sealed class HBaseReheatOnceTests(HBaseThriftFixture fixture) : ReheatOnceTests<HBaseStoreFactory>(new(fixture));
