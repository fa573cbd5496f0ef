using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Tests.Ingestion;
namespace FeaturePlatform.EventCenter.Tests.Watermarks;

/// <summary>
/// The watermark rules of SEMANTICS.md §2 through the real ingest worker on the embedded bus: marks sit
/// MaxOutOfOrderness below the data; a caught-up idle partition follows the clock at its source's MaxDelay, also
/// while another topic keeps the group busy; heartbeats lift caught-up partitions; future event times are refused.
/// </summary>
public sealed class WatermarkSemanticsTests
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_quiet_source_advances_to_now_minus_its_max_delay_while_a_backlog_keeps_every_consume_full()
    {
        var busy = Json("busy", maxDelay: TimeSpan.FromMilliseconds(100));
        var quiet = Json("quiet", maxDelay: TimeSpan.FromMilliseconds(400));
        await using var harness = await StartAsync([busy, quiet], batch: 50, start: false);
        var t0 = Now - 60_000;
        await ProduceAsync(harness.Bus, "quiet", [Row("q", t0, 0)]);
        // A backlog stored slowly (50 messages per ~30 ms batch, seconds in all): no consume of the group comes back empty.
        const int backlog = 5_000;
        await ProduceAsync(harness.Bus, "busy", [.. Enumerable.Range(0, backlog).Select(i => Row($"b{i % 40}", t0 + i, i))]);
        harness.StartWorker(new SlowWriter(harness.Events, TimeSpan.FromMilliseconds(30)));

        await IngestHarness.WaitUntilAsync(async () => await harness.Watermarks.GetEventTimeAsync("quiet") >= Now - 2_000,
            "the quiet source's watermark follows the clock while the busy topic's backlog is stored", TimeSpan.FromSeconds(30));
        var watermark = await harness.Watermarks.GetEventTimeAsync("quiet");
        Assert.True(harness.Counters.Written < backlog, $"the backlog should still be in progress ({harness.Counters.Written} of {backlog + 1} stored)");
        Assert.True(watermark <= Now - 400, $"the quiet source's watermark is {Now - watermark} ms behind the clock: never closer than its MaxDelay (400 ms)");
        Assert.True(await harness.Watermarks.GetEventTimeAsync("busy") < t0 + backlog, "the busy source's watermark follows its data, not the clock");
    }

    [Fact]
    public async Task A_partition_mark_sits_max_out_of_orderness_below_its_newest_event()
    {
        var source = Json("ooo", maxDelay: TimeSpan.FromDays(1)) with { MaxOutOfOrderness = TimeSpan.FromSeconds(2) };
        await using var harness = await StartAsync([source], partitions: 1);
        var t0 = Now - 600_000;
        await ProduceAsync(harness.Bus, "ooo", [Row("a", t0, 0), Row("b", t0 + 5_000, 1), Row("c", t0 + 4_000, 2)]);

        await IngestHarness.WaitUntilAsync(async () => await harness.Watermarks.GetEventTimeAsync("ooo") is not null, "a watermark");
        Assert.Equal(t0 + 5_000 - 2_000, await harness.Watermarks.GetEventTimeAsync("ooo"));
        Assert.Equal(0, harness.Counters.LateEvents);

        // Below the watermark: stored and counted late for its source; the same message delivered again is not late twice.
        var late = Row("d", t0 + 1_000, 3);
        await ProduceAsync(harness.Bus, "ooo", [late, late]);
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages == 5), "the late event and its copy handled");
        Assert.Equal(1, harness.Counters.LateBySource.GetValueOrDefault("ooo"));
        Assert.Equal(1, harness.Counters.Duplicates);
    }

    [Fact]
    public async Task A_heartbeat_lifts_the_caught_up_partitions_of_its_source_to_its_time()
    {
        // MaxDelay of a day: only the heartbeat can move this source's watermark close to now.
        const string heartbeats = "__debezium-heartbeat.shop";
        var source = new SourceDefinition
        {
            Name = "customers",
            Format = SourceFormat.Debezium,
            Topics = ["shop.inventory.customers", heartbeats],
            KeyFields = ["id"],
            MaxDelay = TimeSpan.FromDays(1),
        };
        await using var harness = await StartAsync([source], partitions: 2);
        var changed = Now - 120_000;
        await ProduceAsync(harness.Bus, "shop.inventory.customers", [Message("{\"id\":1}",
            $$"""{"before":null,"after":{"id":1,"email":"a@example.com"},"source":{"version":"2.7.0.Final","connector":"mysql","name":"shop","ts_ms":{{changed}},"db":"inventory","table":"customers","server_id":223344,"file":"mysql-bin.000003","pos":154,"row":0},"op":"c","ts_ms":{{changed + 5}}}""")]);
        await IngestHarness.WaitUntilAsync(async () => await harness.Watermarks.GetEventTimeAsync("customers") is { } w && w >= changed - 86_400_000,
            "the source's first watermark");
        var beat = Now - 1_000;
        await ProduceAsync(harness.Bus, heartbeats, [Message("{\"serverName\":\"shop\"}", $$"""{"ts_ms":{{beat}}}""")]);

        await IngestHarness.WaitUntilAsync(async () => await harness.Watermarks.GetEventTimeAsync("customers") >= beat,
            "the heartbeat lifts every caught-up partition to its time", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_event_time_far_in_the_future_is_dead_lettered_and_does_not_pin_the_watermark()
    {
        var source = Json("clocks", maxDelay: TimeSpan.FromDays(1));
        await using var harness = await StartAsync([source], partitions: 1);
        var t0 = Now - 60_000;
        var year9999 = new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await ProduceAsync(harness.Bus, "clocks", [Row("a", t0, 0), Row("a", year9999, 1), Row("a", t0 + 1, 2)]);

        await IngestHarness.WaitUntilAsync(() => Task.FromResult(harness.Counters.Messages == 3), "all three messages handled");
        Assert.Equal(2, harness.Counters.Written);
        var letter = Assert.Single(await harness.DeadLetters.RecentAsync("clocks", 10).ToListAsync());
        Assert.Contains("ahead of the ingest clock", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(t0 + 1, await harness.Watermarks.GetEventTimeAsync("clocks"));
    }

    private static SourceDefinition Json(string name, TimeSpan maxDelay) => new()
    {
        Name = name,
        Topics = [name],
        KeyFields = ["user"],
        TimeField = "t",
        IdField = "id",
        MaxDelay = maxDelay,
        MaxOutOfOrderness = TimeSpan.Zero,
    };

    private static async Task<IngestHarness> StartAsync(IReadOnlyList<SourceDefinition> sources, int partitions = 2, int batch = 2000, bool start = true)
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("wm-bus")) });
        foreach (var topic in sources.SelectMany(s => s.EffectiveTopics))
        {
            await bus.CreateTopicAsync(topic, partitions);
        }
        var harness = await IngestHarness.StartAsync(bus, sources, new IngestOptions
        {
            GroupId = UniqueName.For("wm"),
            MaxBatchWait = TimeSpan.FromMilliseconds(50),
            IdlePartitionTimeout = TimeSpan.FromMilliseconds(200),
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxBatchMessages = batch,
        });
        if (start)
        {
            harness.StartWorker();
        }
        return harness;
    }

    private static OutgoingMessage Row(string user, long time, int id) =>
        Message(user, $$"""{"id":"{{user}}-{{id.ToString(CultureInfo.InvariantCulture)}}-{{Guid.NewGuid():N}}","user":"{{user}}","t":{{time.ToString(CultureInfo.InvariantCulture)}}}""");

    private static OutgoingMessage Message(string key, string value) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    private static async Task ProduceAsync(IMessageBus bus, string topic, IReadOnlyList<OutgoingMessage> messages)
    {
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(topic, messages);
    }

    /// <summary>Stores like <paramref name="inner"/>, <paramref name="delay"/> later: a slow store.</summary>
    private sealed class SlowWriter(IEventWriter inner, TimeSpan delay) : IEventWriter
    {
        public async ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.WriteAsync(events, cancellationToken);
        }
    }
}
