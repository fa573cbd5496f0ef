using System.Text;
using System.Text.Json.Nodes;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Consistency;

/// <summary>
/// Fetch-strong no-delay reads as of T against a real source database while the source's watermark is held below T
/// (nothing ingests the source). The table <c>accounts</c> holds row 1 changed before T and row 2 changed after T;
/// the event center holds an older CDC state of row 2. Subclasses create the table in their database.
/// </summary>
public abstract class NoDelayFetchScenario : IAsyncLifetime
{
    /// <summary>The as-of time: 2026-01-01T00:00:00Z.</summary>
    protected const long T = 1_767_225_600_000;

    /// <summary>Row 1's change time: 2025-12-31 23:59:50.250 (before T).</summary>
    protected const long Row1ChangedAt = T - 9_750;

    private const long HeldWatermark = T - 3_600_000;
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("nodelay"));
    private EmbeddedWideTableStore store = null!;
    private WatermarkStore watermarks = null!;
    private WatermarkSignal signal = null!;

    /// <summary>The event center.</summary>
    protected EventStore Events { get; private set; } = null!;

    /// <summary>The source's format (what its CDC events look like).</summary>
    protected abstract SourceFormat Format { get; }

    /// <summary>The source as configured: mirror of <c>accounts</c> keyed by id, changed-at column <c>updated_at</c>.</summary>
    protected SourceDefinition Source(SourceFormat? format = null, bool timeColumn = true) => new()
    {
        Name = "accounts",
        Format = format ?? Format,
        KeyFields = ["id"],
        Mirror = new MirroredTable("main", "accounts", ["id"], timeColumn ? "updated_at" : null),
    };

    /// <summary>Creates <c>accounts</c> with rows 1 (changed before T, balance 73.50) and 2 (changed after T, balance 99.00).</summary>
    protected abstract Task<ISourceDatabase> CreateDatabaseAsync();

    /// <summary>The CDC message the source's connector sends for inserting row 1 as it is in the database.</summary>
    protected abstract string CdcMessageOfRow1(SourceFormat format);

    public async Task InitializeAsync()
    {
        store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        Events = new EventStore(store);
        await Events.EnsureTablesAsync();
        watermarks = new WatermarkStore(store);
        await watermarks.EnsureTableAsync();
        signal = new WatermarkSignal();
        await watermarks.AdvanceEventTimeAsync("accounts", HeldWatermark);
        // The CDC stream delivered row 2's state before its change after T: balance 5.00.
        await Events.WriteAsync([new ChangeEvent
        {
            Source = "accounts",
            EntityKey = "2",
            Operation = EventOperation.Insert,
            EventTime = T - 60_000,
            IngestTime = T - 60_000,
            Position = new SourcePosition("accounts-cdc", 0, 0),
            EventId = "cdc-row2",
            After = """{"id":2,"tenant":"t2","balance":5.00}"""u8.ToArray(),
        }]);
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task No_delay_fetch_as_of_T_stores_a_row_changed_before_T_as_a_CDC_shaped_event_and_answers_from_the_event_center()
    {
        var fetcher = Fetcher(await CreateDatabaseAsync(), Source());

        var first = await fetcher.FetchAsync("accounts", "1", T, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromSeconds(30));

        Assert.Equal((FetchOrigin.SourceDatabase, Row1ChangedAt), (first.Origin, first.EventTime));
        var cdc = Assert.Single(EventParsers.Parse(Source(), Raw(CdcMessageOfRow1(Format)), T).Events);
        AssertSameImage(cdc.After, first.Json);
        var stored = await Events.GetByIdAsync("accounts", $"srcdb:accounts:1:{Row1ChangedAt}");
        Assert.NotNull(stored);
        Assert.Equal((EventOperation.SnapshotRead, Row1ChangedAt, "source-database"), (stored.Operation, stored.EventTime, stored.Headers["fp-origin"]));
        Assert.Equal(Encoding.UTF8.GetString(first.Json!), Encoding.UTF8.GetString(stored.After!));

        var second = await fetcher.FetchAsync("accounts", "1", T, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromSeconds(30));
        Assert.Equal(Encoding.UTF8.GetString(first.Json!), Encoding.UTF8.GetString(second.Json!));
        Assert.Single(await HistoryAsync("1"));
        Assert.Equal(2, fetcher.SourceDatabaseReads);
        // A replay (eventual, watermark ignored) sees the stored row.
        var replayed = await Events.GetStateAsync("accounts", "1", T);
        Assert.Equal(Encoding.UTF8.GetString(first.Json!), Encoding.UTF8.GetString(replayed!.After!));
    }

    [Fact]
    public async Task No_delay_fetch_stores_nothing_when_the_CDC_event_of_the_row_version_is_already_stored()
    {
        var fetcher = Fetcher(await CreateDatabaseAsync(), Source());
        var cdc = Assert.Single(EventParsers.Parse(Source(), Raw(CdcMessageOfRow1(Format)), T).Events) with { EventTime = Row1ChangedAt + 50 };
        await Events.WriteAsync([cdc]);

        var answer = await fetcher.FetchAsync("accounts", "1", T, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromSeconds(30));

        Assert.Equal((FetchOrigin.SourceDatabase, Row1ChangedAt + 50), (answer.Origin, answer.EventTime));
        Assert.Equal(cdc.EventId, Assert.Single(await HistoryAsync("1")).EventId);
    }

    [Fact]
    public async Task No_delay_fetch_as_of_T_never_returns_a_row_changed_after_T_and_waits_for_the_watermark_instead()
    {
        var fetcher = Fetcher(await CreateDatabaseAsync(), Source());

        var timeout = await Assert.ThrowsAsync<ConsistencyTimeoutException>(async () =>
            await fetcher.FetchAsync("accounts", "2", T, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("accounts", timeout.Message, StringComparison.Ordinal);
        Assert.Single(await HistoryAsync("2"));

        // Once the CDC stream has caught up to T, the answer is the state as of T — not the database's newer row.
        var pending = fetcher.FetchAsync("accounts", "2", T, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromSeconds(30)).AsTask();
        await watermarks.AdvanceEventTimeAsync("accounts", T);
        signal.Pulse();
        var answer = await pending;
        Assert.Equal(FetchOrigin.EventCenter, answer.Origin);
        Assert.Equal(5.00m, JsonNode.Parse(answer.Json!)!["balance"]!.GetValue<decimal>());
        Assert.Equal(0, fetcher.SourceDatabaseReads);
        Assert.Equal(2, fetcher.NoDelayWaits);
    }

    [Fact]
    public async Task No_delay_fetch_waits_for_an_absent_row_a_future_as_of_time_and_a_mirror_without_time_column()
    {
        var database = await CreateDatabaseAsync();
        var fetcher = Fetcher(database, Source());
        var untimed = Fetcher(database, Source(timeColumn: false));
        var future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();

        foreach (var (f, key, asOf) in new[] { (fetcher, "404", T), (fetcher, "1", future), (untimed, "1", T) })
        {
            await Assert.ThrowsAsync<ConsistencyTimeoutException>(async () =>
                await f.FetchAsync("accounts", key, asOf, ConsistencyLevel.FetchStrongNoDelay, TimeSpan.FromMilliseconds(150)));
        }
        Assert.Empty(await HistoryAsync("1"));
        Assert.Empty(await HistoryAsync("404"));
    }

    /// <summary>Asserts that two images are the same JSON value (member order and whitespace aside).</summary>
    protected static void AssertSameImage(byte[]? expected, byte[]? actual) =>
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected!), JsonNode.Parse(actual!)),
            $"expected CDC image {Encoding.UTF8.GetString(expected!)}\n     but no-delay read {Encoding.UTF8.GetString(actual!)}");

    /// <summary>A raw bus message carrying <paramref name="json"/>.</summary>
    protected static RawMessage Raw(string json) =>
        new(new SourcePosition("accounts-cdc", 0, 7), Encoding.UTF8.GetBytes("{\"id\":1}"), Encoding.UTF8.GetBytes(json), T, []);

    private ConsistentFetcher Fetcher(ISourceDatabase database, SourceDefinition source) =>
        new(Events, new ConsistencyWaiter(watermarks, signal), new SourceRegistry([source]), new Dictionary<string, ISourceDatabase> { ["main"] = database });

    private async Task<List<ChangeEvent>> HistoryAsync(string key)
    {
        var list = new List<ChangeEvent>();
        await foreach (var e in Events.GetHistoryAsync("accounts", key, long.MinValue, long.MaxValue))
        {
            list.Add(e);
        }
        return list;
    }
}
