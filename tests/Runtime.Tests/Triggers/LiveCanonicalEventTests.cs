using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Triggers;

/// <summary>
/// Live reads what ingestion stored (SEMANTICS §4): bus → ingestion → live trigger → run loop → outputs. A duplicate or
/// conflict that ingestion drops never runs live, and what runs is the stored event, field for field.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class LiveCanonicalEventTests(PythonHostFixture python)
{
    private const string Echo = """
        from featureplatform import Output, job

        @job("echo", triggers="{0}", outputs=[Output("v", str, "The event's value.", nullable=True)])
        def echo(event, ctx):
            return {{"v": str(event.get("{1}"))}}
        """;

    [Fact]
    public async Task A_redelivered_duplicate_and_a_conflicting_change_under_a_held_id_do_not_run_live()
    {
        var orders = RuntimeHarness.Orders with { Topics = ["orders"] };
        var messages = new[]
        {
            Message("u1", """{"oid":"o1","user_id":"u1","t":1767225600001,"amount":10}"""),
            Message("u2", """{"oid":"o2","user_id":"u2","t":1767225600002,"amount":20}"""),
            // A forwarder's retry: the same change again at a new offset — ingestion stores it once.
            Message("u1", """{"oid":"o1","user_id":"u1","t":1767225600001,"amount":10}"""),
            // A different change under the held id o1 — ingestion keeps only a conflict record.
            Message("u1", """{"oid":"o1","user_id":"u1","t":1767225600003,"amount":99}"""),
            Message("u3", """{"oid":"o3","user_id":"u3","t":1767225600004,"amount":30}"""),
        };
        await using var run = await RunLiveAsync(orders, string.Format(System.Globalization.CultureInfo.InvariantCulture, Echo, "orders", "amount"), messages, total: 5);

        Assert.Equal(1, run.Harness.IngestCounters.Duplicates);
        Assert.Equal(1, run.Harness.IngestCounters.Conflicts);
        Assert.Contains(await run.Harness.DeadLetters.RecentAsync("orders", 10).ToListAsync(), d => d.Kind == DeadLetterKind.Conflict);
        Assert.Equal(["o1=10", "o2=20", "o3=30"], run.Output.Results.Select(r => $"{r.Trigger.EventId}={r.Values[0].Value}").Order(StringComparer.Ordinal));
        Assert.Equal(2, run.Trigger.Skipped);
        await AssertRanTheStoredEventsAsync(run, "orders", 3);
    }

    [Fact]
    public async Task A_Canal_message_runs_each_of_its_rows_once_and_a_connector_resend_runs_nothing()
    {
        var canal = new SourceDefinition { Name = "shop_orders", Format = SourceFormat.Canal, Topics = ["shop_orders"] };
        var rows = Canal(logId: 7, es: 1767225600000, ("1", "a"), ("2", "b"));
        // The connector re-sends the same binlog entry (same Canal id, new bus offset), then the next entry.
        await using var run = await RunLiveAsync(canal, string.Format(System.Globalization.CultureInfo.InvariantCulture, Echo, "shop_orders", "v"),
            [rows, rows, Canal(logId: 8, es: 1767225600005, ("1", "c"))], total: 5);

        Assert.Equal(2, run.Harness.IngestCounters.Duplicates);
        Assert.Equal(["1=a", "1=c", "2=b"], run.Output.Results.Select(r => $"{r.Trigger.EntityKey}={r.Values[0].Value}").Order(StringComparer.Ordinal));
        Assert.Equal(2, run.Trigger.Skipped);
        await AssertRanTheStoredEventsAsync(run, "shop_orders", 3);
    }

    [Fact]
    public async Task A_source_without_an_id_field_runs_every_message_as_the_event_stored_from_its_bus_position()
    {
        // Without an id field the bus position is the identity: the same bytes twice are two events, and both run.
        var clicks = new SourceDefinition { Name = "clicks", Format = SourceFormat.Json, KeyFields = ["user_id"], TimeField = "t", Topics = ["clicks"] };
        var click = Message("u1", """{"user_id":"u1","t":1767225600001,"page":"home"}""");
        await using var run = await RunLiveAsync(clicks, string.Format(System.Globalization.CultureInfo.InvariantCulture, Echo, "clicks", "page"), [click, click], total: 2);

        Assert.Equal(0, run.Harness.IngestCounters.Duplicates);
        Assert.Equal(0, run.Trigger.Skipped);
        await AssertRanTheStoredEventsAsync(run, "clicks", 2);
    }

    [Fact]
    public async Task A_job_reads_a_Debezium_DECIMAL_sent_in_the_default_precise_encoding_as_a_decimal()
    {
        const string doubled = """
            from featureplatform import Output, job

            @job("echo", triggers="accounts", outputs=[Output("v", str, "Twice the limit.", nullable=True)])
            def echo(event, ctx):
                return {"v": str(event.decimal("limit") * 2)}
            """;
        var accounts = new SourceDefinition { Name = "accounts", Format = SourceFormat.Debezium, KeyFields = ["id"], Topics = ["accounts"] };
        // DECIMAL(10,2) 1000.00 as Debezium sends it by default: base64 of the unscaled 100000, the scale in the schema.
        var change = Message("1", """
            {"schema":{"type":"struct","name":"db.shop.accounts.Envelope","fields":[{"type":"struct","optional":true,"field":"after","name":"db.shop.accounts.Value",
               "fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,
                          "parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"limit"}]}]},
             "payload":{"before":null,"after":{"id":1,"limit":"AYag"},"op":"c","ts_ms":1767225600001,
                        "source":{"connector":"mysql","name":"db","ts_ms":1767225600000,"server_id":1,"file":"bin.1","pos":4,"row":0}}}
            """);
        await using var run = await RunLiveAsync(accounts, doubled, [change], total: 1);

        Assert.Equal(["2000.00"], run.Output.Results.Select(r => r.Values[0].Value));
    }

    /// <summary>
    /// Produces <paramref name="messages"/> on one partition with ingestion and an eventual-level live trigger running,
    /// and waits until the trigger has accounted for <paramref name="total"/> changes (run or skipped).
    /// </summary>
    private async Task<LiveRun> RunLiveAsync(SourceDefinition source, string job, IReadOnlyList<OutgoingMessage> messages, int total)
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("canonical-bus")) });
        await bus.CreateTopicAsync(source.Topics[0], 1);
        var harness = await RuntimeHarness.StartAsync(bus, source);
        try
        {
            return await StartAndWaitAsync(harness, bus, source, job, messages, total);
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    private async Task<LiveRun> StartAndWaitAsync(RuntimeHarness harness, EmbeddedMessageBus bus, SourceDefinition source, string job, IReadOnlyList<OutgoingMessage> messages, int total)
    {
        var loaded = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("echo", job), harness.DataSource), enabled: true);
        harness.StartIngest();
        var output = new CollectingOutput();
        var runner = new JobRunner(loaded, harness.DataSource, [output], harness.Errors, NullLogger.Instance);
        // Eventual: the weakest level still runs only what ingestion stored.
        var trigger = new LiveTrigger(bus, source, UniqueName.For("job"), ConsistencyLevel.Eventual, harness.Waiter, harness.Events,
            new LiveTriggerOptions { MaxBatchMessages = 2, MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        var recording = new RecordingTrigger(trigger);
        harness.Run(ct => runner.RunAsync(recording, ct));
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(source.Topics[0], messages);
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(runner.Counters.Events + trigger.Skipped >= total && recording.Acknowledged >= runner.Counters.Events),
            $"the live trigger accounted for {total} changes");
        Assert.Equal(0, runner.Counters.Failures);
        return new LiveRun(harness, output, trigger, recording);
    }

    /// <summary>Every event the logic ran is the stored event of its id (all fields: position, ingest time, images, headers), each once.</summary>
    private static async Task AssertRanTheStoredEventsAsync(LiveRun run, string source, int expected)
    {
        var ran = run.Recording.Events;
        Assert.Equal(expected, ran.Count);
        Assert.Equal(expected, ran.Select(e => e.EventId).Distinct().Count());
        foreach (var e in ran)
        {
            Assert.Equal(await run.Harness.Events.GetByIdAsync(source, e.EventId), e);
        }
        Assert.Equal(ran.Select(e => e.EventId).Order(StringComparer.Ordinal),
            (await run.Harness.Events.ReplayAsync(source, 0, long.MaxValue).ToListAsync()).Select(e => e.EventId).Order(StringComparer.Ordinal));
    }

    private static OutgoingMessage Message(string key, string json) => new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));

    /// <summary>A Canal flat message (one binlog entry) inserting the rows (id, v).</summary>
    private static OutgoingMessage Canal(long logId, long es, params (string Id, string V)[] rows) => new(Encoding.UTF8.GetBytes("shop"), Encoding.UTF8.GetBytes(
        $$"""{"id":{{logId}},"database":"shop","table":"orders","type":"INSERT","pkNames":["id"],"es":{{es}},"ts":{{es}},"data":[{{string.Join(',', rows.Select(r => $$"""{"id":"{{r.Id}}","v":"{{r.V}}"}"""))}}],"old":null}"""));

    private sealed record LiveRun(RuntimeHarness Harness, CollectingOutput Output, LiveTrigger Trigger, RecordingTrigger Recording) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }
}

/// <summary>Records the events of every batch a trigger hands out, in order, and counts those acknowledged.</summary>
internal sealed class RecordingTrigger(ITrigger inner) : ITrigger
{
    private readonly List<ChangeEvent> events = [];
    private long acknowledged;

    public string Description => inner.Description;

    public long? EstimatedTotal => inner.EstimatedTotal;

    /// <summary>The events handed out so far, in order.</summary>
    public IReadOnlyList<ChangeEvent> Events
    {
        get
        {
            lock (events)
            {
                return [.. events];
            }
        }
    }

    /// <summary>Events of batches the run loop has acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref acknowledged);

    public async IAsyncEnumerable<TriggerBatch> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var batch in inner.ReadAsync(cancellationToken))
        {
            lock (events)
            {
                events.AddRange(batch.Events);
            }
            yield return new TriggerBatch(batch.Events, async ct =>
            {
                await batch.CompleteAsync(ct);
                Interlocked.Add(ref acknowledged, batch.Events.Count);
            });
        }
    }
}
