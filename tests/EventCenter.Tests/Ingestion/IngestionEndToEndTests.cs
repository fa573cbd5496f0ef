using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// Bus → ingest job → event center, end to end; each bus backend derives a test class. Every test ends by checking
/// that each sent event is stored exactly once (visible) and that bad messages are dead-lettered with their bytes.
/// </summary>
public abstract class IngestionEndToEndTests
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01

    protected abstract IMessageBus OpenBus();

    protected abstract Task<string> NewTopicAsync(IMessageBus bus, int partitions);

    [Fact]
    public async Task Cdc_and_message_sources_land_with_the_right_as_of_state_and_bad_messages_are_dead_lettered()
    {
        var bus = OpenBus();
        var orders = await NewTopicAsync(bus, 3);
        var requests = await NewTopicAsync(bus, 2);
        var stray = await NewTopicAsync(bus, 1);
        await using var harness = await IngestHarness.StartAsync(bus,
        [
            new SourceDefinition { Name = "orders", Format = SourceFormat.Debezium, Topics = [orders, stray], KeyFields = ["id"] },
            new SourceDefinition { Name = "requests", Format = SourceFormat.Json, Topics = [requests], KeyFields = ["user"], TimeField = "at", IdField = "rid", MaxMessageBytes = 4096 },
        ]);
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(orders,
        [
            Debezium("c", 1, """{"id":1,"status":"NEW"}""", T0),
            Debezium("u", 1, """{"id":1,"status":"PAID"}""", T0 + 1000),
            Raw("{not json"),
            Debezium("c", 2, """{"id":2,"status":"NEW"}""", T0 + 500),
            Debezium("d", 2, null, T0 + 2000, before: """{"id":2,"status":"NEW"}"""),
            Raw("""{"op":"x","after":{"id":3},"source":{"ts_ms":1}}"""),
        ]);
        await producer.ProduceAsync(requests,
        [
            Json("""{"rid":"r1","user":"u1","at":1767225601000,"amount":5}"""),
            Json("""{"rid":"r2","user":"u1","at":"not a time"}"""),
            new OutgoingMessage(null, [0xC3, 0x28, 0xFF]),
            Json("""{"rid":"r3","user":"u"""),
            Json("""{"rid":"r4","user":{"nested":true},"at":1767225601000}"""),
            Json("{\"rid\":\"r5\",\"user\":\"u2\",\"at\":1767225601000,\"pad\":\"" + new string('x', 5000) + "\"}"),
            Json("""{"rid":"r6","user":"u2","at":1767225602000,"amount":7}"""),
        ]);
        harness.StartWorker();

        await IngestHarness.WaitUntilAsync(async () => harness.Counters.Messages >= 13, "13 messages are ingested");
        Assert.Equal("PAID", Status(await harness.Events.GetStateAsync("orders", "1", T0 + 5000)));
        Assert.Equal("NEW", Status(await harness.Events.GetStateAsync("orders", "1", T0 + 999)));
        Assert.Null(await harness.Events.GetStateAsync("orders", "1", T0 - 1));
        Assert.Equal("NEW", Status(await harness.Events.GetStateAsync("orders", "2", T0 + 1999)));
        Assert.Null(await harness.Events.GetStateAsync("orders", "2", T0 + 2000));
        var request = await harness.Events.GetByIdAsync("requests", "r1");
        Assert.Equal(("u1", 1767225601000L), (request!.EntityKey, request.EventTime));

        var dead = await harness.DeadLetters.RecentAsync("orders", 10).ToListAsync();
        Assert.Equal(2, dead.Count);
        Assert.Contains(dead, d => d.Reason.Contains("malformed JSON", StringComparison.Ordinal) && Encoding.UTF8.GetString(d.Value) == "{not json");
        Assert.Contains(dead, d => d.Reason.Contains("unknown Debezium op 'x'", StringComparison.Ordinal));
        var deadRequests = await harness.DeadLetters.RecentAsync("requests", 10).ToListAsync();
        Assert.Equal(5, deadRequests.Count);
        Assert.Contains(deadRequests, d => d.Value.SequenceEqual(new byte[] { 0xC3, 0x28, 0xFF }));
        Assert.Contains(deadRequests, d => d.Reason.Contains("malformed JSON", StringComparison.Ordinal) && Encoding.UTF8.GetString(d.Value).EndsWith("\"u", StringComparison.Ordinal));
        Assert.Contains(deadRequests, d => d.Reason.Contains("must be a string or number", StringComparison.Ordinal));
        Assert.Contains(deadRequests, d => d.Reason.Contains("exceeds the source's limit of 4096", StringComparison.Ordinal) && d.Value.Length > 5000);
        Assert.NotNull(await harness.Events.GetByIdAsync("requests", "r6"));
        Assert.Equal(6, harness.Counters.Written);
        Assert.Equal(7, harness.Counters.DeadLettered);
    }

    [Fact]
    public async Task A_value_of_the_wrong_declared_type_is_dead_lettered_in_every_format_and_never_stored()
    {
        var bus = OpenBus();
        var formats = new[] { SourceFormat.Debezium, SourceFormat.Canal, SourceFormat.Maxwell, SourceFormat.Json };
        var topics = new Dictionary<SourceFormat, string>();
        foreach (var format in formats)
        {
            topics[format] = await NewTopicAsync(bus, 1);
        }
        var declared = new Dictionary<string, FieldType> { ["amount"] = FieldType.Decimal, ["note"] = FieldType.String };
        await using var harness = await IngestHarness.StartAsync(bus, formats.Select(f => new SourceDefinition
        {
            Name = $"typed-{f}", Format = f, Topics = [topics[f]], KeyFields = ["id"], TimeField = f == SourceFormat.Json ? "at" : null,
            IdField = f == SourceFormat.Json ? "rid" : null, Fields = declared,
        }));
        await using var producer = bus.CreateProducer();
        // Per format: a good row (amount a number, or a string holding one), then the same row with amount "abc".
        await producer.ProduceAsync(topics[SourceFormat.Debezium], [Debezium("c", 1, """{"id":1,"amount":"12.50"}""", T0), Debezium("c", 2, """{"id":2,"amount":"abc"}""", T0 + 1),
            // Debezium's default decimal.handling.mode=precise: PostgreSQL's unconstrained numeric {scale, value} is
            // stored decoded; base64 unscaled bytes without the schema that holds their scale cannot be read by a job.
            Debezium("c", 3, """{"id":3,"amount":"BNI="}""", T0 + 2), Debezium("c", 4, """{"id":4,"amount":{"scale":2,"value":"BNI="}}""", T0 + 3)]);
        await producer.ProduceAsync(topics[SourceFormat.Canal], [CanalRow(1, "12.50", "decimal(10,2)", T0), CanalRow(2, "abc", "varchar(10)", T0 + 1)]);
        await producer.ProduceAsync(topics[SourceFormat.Maxwell], [MaxwellRow(1, "12.5", T0), MaxwellRow(2, "\"abc\"", T0 + 1)]);
        await producer.ProduceAsync(topics[SourceFormat.Json], [Json("""{"rid":"r1","id":"1","at":1767225600000,"amount":12.5}"""),
            Json("""{"rid":"r2","id":"2","at":1767225600001,"amount":"abc"}""")]);
        harness.StartWorker();

        await IngestHarness.WaitUntilAsync(async () => harness.Counters.Messages >= 10, "10 messages are ingested");
        foreach (var format in formats)
        {
            var source = $"typed-{format}";
            Assert.NotNull(await harness.Events.GetStateAsync(source, "1", long.MaxValue));
            Assert.Null(await harness.Events.GetStateAsync(source, "2", long.MaxValue));
            var letter = Assert.Single(await harness.DeadLetters.RecentAsync(source, 10).Where(l => !l.Reason.Contains("BNI=", StringComparison.Ordinal)).ToListAsync());
            Assert.Equal($"field 'amount' must be a decimal (a number, or a string holding one) (declared in EventCenter:Sources:{source}:Fields), got \"abc\"", letter.Reason);
            Assert.Contains("abc", Encoding.UTF8.GetString(letter.Value), StringComparison.Ordinal);
        }
        Assert.Null(await harness.Events.GetStateAsync("typed-Debezium", "3", long.MaxValue));
        Assert.Contains(await harness.DeadLetters.RecentAsync("typed-Debezium", 10).ToListAsync(),
            l => l.Reason.Contains("field 'amount'", StringComparison.Ordinal) && l.Reason.Contains("decimal.handling.mode=string", StringComparison.Ordinal));
        var decoded = await harness.Events.GetStateAsync("typed-Debezium", "4", long.MaxValue);
        Assert.Equal("""{"id":4,"amount":"12.34"}""", Encoding.UTF8.GetString(decoded!.After!));
        Assert.Equal(5, harness.Counters.Written);
        Assert.Equal(5, harness.Counters.DeadLettered);
    }

    [Fact]
    public async Task Duplicate_deliveries_and_a_crash_mid_batch_leave_every_event_stored_exactly_once()
    {
        var bus = OpenBus();
        var topic = await NewTopicAsync(bus, 4);
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "loans", Format = SourceFormat.Canal, Topics = [topic] }]);
        var messages = Enumerable.Range(0, 300).Select(i => Canal(i % 40, i, T0 + i * 10L)).ToList();
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, messages);
            // The same messages again, as a producer retry or a re-publishing forwarder would send them.
            await producer.ProduceAsync(topic, messages.Where((_, i) => i % 3 == 0).ToList());
        }

        // The first worker crashes after storing part of its first batch, before committing.
        var crashing = new CrashingWriter(harness.Events, crashAfterEvents: 37);
        harness.StartWorker(crashing);
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(crashing.Crashed), "the writer crashed");
        await harness.StopWorkersAsync();
        harness.StartWorker();
        await IngestHarness.WaitUntilAsync(async () => await CountAsync(harness.Events, "loans") >= 300 && harness.Counters.Messages >= 400, "all events are stored");

        var stored = await harness.Events.ReplayAsync("loans", 0, long.MaxValue).ToListAsync();
        Assert.Equal(300, stored.Count);
        Assert.Equal(300, stored.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => T0 + i * 10L), stored.Select(e => e.EventTime));
    }

    [Fact]
    public async Task Watermarks_cover_what_is_stored_and_consistency_waits_see_them()
    {
        var bus = OpenBus();
        var topic = await NewTopicAsync(bus, 2);
        await using var harness = await IngestHarness.StartAsync(bus,
            [new SourceDefinition { Name = "profiles", Format = SourceFormat.Json, Topics = [topic], KeyFields = ["id"], TimeField = "t" }]);
        harness.StartWorker();
        var future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();

        // Nothing covers an hour from now: a fetch-strong wait for it expires with a clear error.
        var timeout = await Assert.ThrowsAsync<ConsistencyTimeoutException>(async () =>
            await harness.Waiter.WaitForEventTimeAsync("profiles", future, TimeSpan.FromMilliseconds(300)));
        Assert.Contains("profiles", timeout.Message, StringComparison.Ordinal);

        IReadOnlyList<BusPosition> positions;
        await using (var producer = bus.CreateProducer())
        {
            positions = await producer.ProduceAsync(topic, Enumerable.Range(0, 50).Select(i => Json($$"""{"id":"p{{i}}","t":{{T0 + i}}}""")).ToList());
        }
        // Each partition's last message (partitions may be stored in different batches).
        foreach (var last in positions.GroupBy(p => p.Partition).Select(g => g.MaxBy(p => p.Offset)!))
        {
            await harness.Waiter.WaitForStoredAsync("profiles", new SourcePosition(last.Topic, last.Partition, last.Offset), TimeSpan.FromSeconds(60));
        }
        Assert.NotNull(await harness.Events.GetStateAsync("profiles", "p49", T0 + 49));
        foreach (var partition in positions.GroupBy(p => p.Partition))
        {
            Assert.Equal(partition.Max(p => p.Offset) + 1, await harness.Watermarks.GetOffsetAsync("profiles", topic, partition.Key));
        }

        // Both partitions become idle: the event-time watermark follows the clock, so a wait for "now" succeeds.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await harness.Waiter.WaitForEventTimeAsync("profiles", now, TimeSpan.FromSeconds(60));
        Assert.True(await harness.Watermarks.GetEventTimeAsync("profiles") >= now);
    }

    protected static OutgoingMessage Raw(string text) => new(null, Encoding.UTF8.GetBytes(text));

    protected static OutgoingMessage Json(string json) => new(null, Encoding.UTF8.GetBytes(json));

    private static OutgoingMessage Debezium(string op, int id, string? after, long ts, string? before = null) =>
        new(Encoding.UTF8.GetBytes(id.ToString(System.Globalization.CultureInfo.InvariantCulture)), Encoding.UTF8.GetBytes(
            "{\"before\":" + (before ?? "null") + ",\"after\":" + (after ?? "null") + ",\"op\":\"" + op + "\",\"source\":{\"ts_ms\":" + ts + ",\"file\":\"bin.1\",\"pos\":" + ts + "}}"));

    /// <summary>A Canal flat message in its own batch (batch id = version + 1), as Canal numbers its fetches.</summary>
    private static OutgoingMessage Canal(int id, int version, long es) =>
        new(Encoding.UTF8.GetBytes($"{id}"), Encoding.UTF8.GetBytes(
            "{\"id\":" + (version + 1) + ",\"database\":\"loans\",\"table\":\"loans\",\"type\":\"UPDATE\",\"pkNames\":[\"id\"],\"es\":" + es + ",\"ts\":" + es + ",\"data\":[{\"id\":\"" + id + "\",\"v\":\"" + version + "\"}],\"old\":[{\"v\":\"" + (version - 1) + "\"}]}"));

    private static OutgoingMessage CanalRow(int id, string amount, string type, long es) =>
        new(Encoding.UTF8.GetBytes($"{id}"), Encoding.UTF8.GetBytes(
            "{\"id\":" + id + ",\"database\":\"shop\",\"table\":\"orders\",\"type\":\"INSERT\",\"pkNames\":[\"id\"],\"es\":" + es + ",\"ts\":" + es
            + ",\"mysqlType\":{\"id\":\"int(11)\",\"amount\":\"" + type + "\"},\"data\":[{\"id\":\"" + id + "\",\"amount\":\"" + amount + "\"}],\"old\":null}"));

    private static OutgoingMessage MaxwellRow(int id, string amountJson, long ts) =>
        new(Encoding.UTF8.GetBytes($"{id}"), Encoding.UTF8.GetBytes(
            "{\"database\":\"shop\",\"table\":\"orders\",\"type\":\"insert\",\"ts\":" + (ts / 1000) + ",\"xid\":" + id + ",\"commit\":true,\"data\":{\"id\":" + id + ",\"amount\":" + amountJson + "}}"));

    private static string? Status(ChangeEvent? e) =>
        e is null ? null : JsonDocument.Parse(e.After!).RootElement.GetProperty("status").GetString();

    private static async Task<int> CountAsync(IEventReader events, string source) =>
        await events.ReplayAsync(source, 0, long.MaxValue).CountAsync();

    /// <summary>Stores part of the first batch, then fails as a process dying mid-batch would.</summary>
    private sealed class CrashingWriter(IEventWriter inner, int crashAfterEvents) : IEventWriter
    {
        public bool Crashed { get; private set; }

        public async ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default)
        {
            if (Crashed)
            {
                throw new IOException("this worker is dead");
            }
            await inner.WriteAsync(events.Take(crashAfterEvents).ToList(), cancellationToken);
            Crashed = true;
            throw new IOException("crash mid-batch");
        }
    }
}
