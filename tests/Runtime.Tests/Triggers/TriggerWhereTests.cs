using System.Text;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Triggers;

/// <summary>
/// <c>Trigger(source, where=…)</c> is applied, and identically on every path: Debezium changes (insert, update,
/// delete) go bus → ingestion → live trigger → run loop; the same range is replayed from the event center; the stored
/// events are run as calls run them (the run loop's batch entry). Each path runs exactly the inserts and deletes.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class TriggerWhereTests(PythonHostFixture python)
{
    private const string Job = """
        from featureplatform import Output, Trigger, job

        @job("where_job", triggers=Trigger("dorders", where=("insert", "delete")), outputs=[Output("user", str)])
        def where_job(event, ctx):
            return {"user": event.key}
        """;

    private static readonly SourceDefinition Source = new() { Name = "dorders", Format = SourceFormat.Debezium, KeyFields = ["user_id"] };

    [Fact]
    public async Task Live_replay_and_calls_run_only_the_event_types_the_trigger_names()
    {
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("where-bus")) });
        await bus.CreateTopicAsync("dorders", 1);
        await using var harness = await RuntimeHarness.StartAsync(bus, Source);
        var job = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("where_job", Job), harness.DataSource), enabled: true);
        harness.StartIngest();
        var live = new CollectingOutput();
        var liveRunner = new JobRunner(job, harness.DataSource, [live], harness.Errors, NullLogger.Instance);
        var trigger = new LiveTrigger(bus, Source, UniqueName.For("where"), ConsistencyLevel.TriggerStrong, harness.Waiter, harness.Events,
            new LiveTriggerOptions { MaxBatchMessages = 50, MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        harness.Run(ct => liveRunner.RunAsync(trigger, ct));

        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        (string Op, string User)[] changes = [("c", "u1"), ("u", "u1"), ("d", "u1"), ("c", "u2"), ("u", "u2"), ("u", "u2"), ("c", "u3")];
        await using (var producer = bus.CreateProducer())
        {
            for (var i = 0; i < changes.Length; i++)
            {
                await producer.ProduceAsync("dorders", [Change(changes[i].Op, changes[i].User, t0 + i * 1000, i)]);
            }
        }
        // One partition, in order: once the last insert ran, every change before it went through the live runner.
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(live.Results.Any(r => r.Key == "u3")), "the last insert ran live");

        var replay = new CollectingOutput();
        await new JobRunner(job, harness.DataSource.ForRun(), [replay], harness.Errors, NullLogger.Instance)
            .RunAsync(new ReplayTrigger(harness.Events, "dorders", t0, t0 + 10_000), CancellationToken.None);

        var stored = new List<EventCenter.Events.ChangeEvent>();
        foreach (var user in new[] { "u1", "u2", "u3" })
        {
            await foreach (var e in harness.Events.GetHistoryAsync("dorders", user, t0, t0 + 10_000))
            {
                stored.Add(e);
            }
        }
        Assert.Equal(changes.Length, stored.Count);
        var called = new CollectingOutput();
        var calls = await new JobRunner(job, harness.DataSource, [called], harness.Errors, NullLogger.Instance, mode: RunMode.Call)
            .RunBatchWithErrorsAsync([.. stored.OrderBy(e => e.EventTime)], CancellationToken.None);

        string[] expected = ["c:u1", "d:u1", "c:u2", "c:u3"];
        Assert.Equal(expected, Ops(live, changes, t0));
        Assert.Equal(expected, Ops(replay, changes, t0));
        Assert.Equal(expected, Ops(called, changes, t0));
        Assert.Empty(calls.Errors);
    }

    private static string[] Ops(CollectingOutput output, (string Op, string User)[] changes, long t0) =>
        [.. output.Results.OrderBy(r => r.Trigger.EventTime).Select(r => $"{changes[(r.Trigger.EventTime - t0) / 1000].Op}:{r.Key}")];

    private static OutgoingMessage Change(string op, string user, long time, int position)
    {
        var row = $$"""{"user_id":"{{user}}","amount":{{position}}}""";
        var (before, after) = op switch { "c" => ("null", row), "d" => (row, "null"), _ => (row, row) };
        var json = $$"""{"before":{{before}},"after":{{after}},"source":{"connector":"mysql","name":"db","ts_ms":{{time}},"db":"shop","table":"orders","server_id":1,"file":"binlog.000001","pos":{{1000 + position}},"row":0},"op":"{{op}}","ts_ms":{{time}}}""";
        return new OutgoingMessage(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(json));
    }
}
