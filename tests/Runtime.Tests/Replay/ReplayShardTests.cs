using FeaturePlatform.PyBridge;
using System.Text;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay.Sharded;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Testing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Tests.Replay;

/// <summary>A replay split into shards handed out over a Kafka topic to two workers of one group.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class ReplayShardTests(PythonHostFixture python, KafkaFixture kafka)
{
    private const long T0 = 1_767_225_600_000L;

    [Fact]
    public void Split_covers_the_range_with_adjacent_chunks()
    {
        var shards = ReplayShardCoordinator.Split("r", "j", ["s"], 100, 1_101, 4);
        Assert.Equal(4, shards.Count);
        Assert.Equal(100, shards[0].From);
        Assert.Equal(1_101, shards[^1].To);
        Assert.All(shards.Zip(shards.Skip(1)), p => Assert.Equal(p.First.To, p.Second.From));
        Assert.Equal(3, ReplayShardCoordinator.Split("r", "j", ["s"], 0, 3, 8).Count);
        Assert.Throws<ArgumentException>(() => ReplayShardCoordinator.Split("r", "j", ["s"], 5, 5, 2));
    }

    [Fact]
    public async Task Shards_are_dealt_evenly_over_the_topics_partitions()
    {
        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false });
        var topics = new ReplayShardTopics(kafka.CreateTopic(6, "shards"), kafka.CreateTopic(1, "shard-results"));
        await using var coordinator = new ReplayShardCoordinator(bus, topics);
        await coordinator.PublishAsync(ReplayShardCoordinator.Split("even", "j", ["s"], 0, 36_000, 36));
        // Six per partition: whichever members hold which partitions, each gets shards in proportion to its partitions.
        Assert.Equal([6L, 6, 6, 6, 6, 6], await bus.GetEndOffsetsAsync(topics.Shards));
    }

    [Fact]
    public async Task A_faster_worker_takes_more_shards_when_they_are_dealt_as_workers_free_up()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        const int Events = 1_600;
        var (_, job) = await OrdersAndJobAsync(harness, Events, users: 40);
        await using var bus = Bus();
        var topics = new ReplayShardTopics(kafka.CreateTopic(4, "shards"), kafka.CreateTopic(2, "shard-results"));
        var group = KafkaFixture.NewGroupId("replay");
        // Worker "slow" takes 1 s to write each batch of results (a host sharing its core, a slow output); "fast" none.
        var outputs = new IJobOutput[] { new CollectingOutput(), new SlowOutput(new CollectingOutput(), TimeSpan.FromSeconds(1)) };
        var names = new[] { "fast", "slow" };
        var workers = Enumerable.Range(0, 2).Select(w => new ReplayShardWorker(bus, topics, group, names[w], name => name == job.Name ? job : null,
            harness.Events, harness.DataSource, _ => [outputs[w]], harness.Errors, NullLogger.Instance, new ReplayOptions { BatchSize = 50, Parallelism = 1 })).ToList();
        foreach (var worker in workers)
        {
            harness.Run(worker.RunAsync);
        }
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(workers.All(w => w.Assignment.Count > 0) && workers.Sum(w => w.Assignment.Count) == 4),
            "both workers joined the group");

        var shards = ReplayShardCoordinator.Split("dealt", job.Name, ["orders"], T0, T0 + Events * 10, 16);
        await using var coordinator = new ReplayShardCoordinator(bus, topics);
        await coordinator.ConnectAsync(TimeSpan.FromSeconds(60));
        var completions = await coordinator.RunAsync(shards, TimeSpan.FromSeconds(90));

        Assert.Equal(Enumerable.Range(0, 16), completions.Select(c => c.Index));
        Assert.All(completions, c => Assert.Null(c.Error));
        Assert.Equal(Events, completions.Sum(c => c.Events));
        // Dealt up front, each would run the 8 shards of its two partitions, and the run would last 8 slow shards. Dealt as
        // workers free up, the slow worker runs its first shard or two while the fast one runs the rest.
        var byWorker = completions.GroupBy(c => c.Worker).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byWorker.GetValueOrDefault("fast") >= 11, $"shards per worker: {string.Join(", ", byWorker.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.All(completions, c => Assert.InRange(c.Partition ?? -1, 0, 3));
    }

    [Fact]
    public async Task A_worker_runs_the_shards_of_one_run_with_one_run_scoped_data_source()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        const int Events = 400;
        var (_, job) = await OrdersAndJobAsync(harness, Events, users: 20);
        await using var bus = Bus();
        var topics = new ReplayShardTopics(kafka.CreateTopic(2, "shards"), kafka.CreateTopic(1, "shard-results"));
        var source = new CountingRunSource(harness.DataSource);
        var worker = new ReplayShardWorker(bus, topics, KafkaFixture.NewGroupId("replay"), "w", name => name == job.Name ? job : null,
            harness.Events, source, _ => [new CollectingOutput()], harness.Errors, NullLogger.Instance, new ReplayOptions { BatchSize = 50 },
            keepRunFor: TimeSpan.FromSeconds(3));
        harness.Run(worker.RunAsync);
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(worker.Assignment.Count == 2), "the worker joined the group");

        await using var coordinator = new ReplayShardCoordinator(bus, topics);
        await coordinator.ConnectAsync(TimeSpan.FromSeconds(60));
        foreach (var (runId, shards) in new[] { ("first", 6), ("second", 4) })
        {
            var completions = await coordinator.RunAsync(ReplayShardCoordinator.Split(runId, job.Name, ["orders"], T0, T0 + Events * 10, shards), TimeSpan.FromSeconds(60));
            Assert.Equal(Events, completions.Sum(c => c.Events));
        }
        // One run-scoped source (its settled states and history windows) per run, not one per shard.
        Assert.Equal(2, source.Runs);

        // With no shard for a while the worker lets the run's source go; a shard of the run coming later gets a new one.
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(worker.HeldRun is null), "the worker let the idle run's source go");
        await coordinator.RunAsync(ReplayShardCoordinator.Split("second", job.Name, ["orders"], T0, T0 + Events * 10, 2), TimeSpan.FromSeconds(60));
        Assert.Equal(3, source.Runs);
    }

    [Fact]
    public async Task Two_workers_share_the_shards_and_every_event_is_computed_exactly_once()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders, RuntimeHarness.Profiles);
        const int Events = 2_000;
        var (stored, job) = await OrdersAndJobAsync(harness, Events, users: 50);
        await using var bus = Bus();
        var topics = new ReplayShardTopics(kafka.CreateTopic(4, "shards"), kafka.CreateTopic(2, "shard-results"));
        var group = KafkaFixture.NewGroupId("replay");
        var outputs = new[] { new CollectingOutput(), new CollectingOutput() };
        var workers = Enumerable.Range(0, 2).Select(w => new ReplayShardWorker(bus, topics, group, $"w{w}", name => name == job.Name ? job : null,
            harness.Events, harness.DataSource, _ => [outputs[w]], harness.Errors, NullLogger.Instance, new ReplayOptions { BatchSize = 100, Parallelism = 2 })).ToList();
        foreach (var worker in workers)
        {
            harness.Run(worker.RunAsync);
        }
        // Both members hold partitions before the shards go out, so both get some.
        await RuntimeHarness.WaitUntilAsync(() => Task.FromResult(workers.All(w => w.Assignment.Count > 0) && workers.Sum(w => w.Assignment.Count) == 4),
            "both workers joined the group");

        await using var coordinator = new ReplayShardCoordinator(bus, topics);
        var shards = ReplayShardCoordinator.Split("run1", job.Name, ["orders"], T0, T0 + Events * 10, 8);
        await coordinator.PublishAsync(shards);
        var completions = await coordinator.WaitForCompletionAsync("run1", shards.Count, TimeSpan.FromSeconds(90));

        Assert.Equal(Enumerable.Range(0, 8), completions.Select(c => c.Index));
        Assert.All(completions, c => Assert.Null(c.Error));
        Assert.Equal(Events, completions.Sum(c => c.Events));
        Assert.Equal(2, completions.Select(c => c.Worker).Distinct().Count());
        // Two partitions each, so four shards each (8 dealt over 4 partitions).
        Assert.All(completions.GroupBy(c => c.Worker), g => Assert.Equal(4, g.Count()));
        var all = outputs.SelectMany(o => o.Results).Select(r => r.ResultId).ToList();
        Assert.Equal(Events, all.Count);
        Assert.Equal(stored.Select(e => $"{job.Name}/orders/{e.EventId}/0").Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
    }

    /// <summary>Stores <paramref name="count"/> orders 10 ms apart from <see cref="T0"/> over <paramref name="users"/> users, and loads a job that fetches.</summary>
    private async Task<(List<ChangeEvent> Stored, RegisteredJob Job)> OrdersAndJobAsync(RuntimeHarness harness, int count, int users)
    {
        var stored = Enumerable.Range(0, count).Select(i => new ChangeEvent
        {
            Source = "orders", EntityKey = $"u{i % users}", Operation = EventOperation.Message, EventTime = T0 + i * 10, IngestTime = T0 + i * 10,
            Position = new SourcePosition("orders", 0, i), EventId = $"o{i}",
            After = Encoding.UTF8.GetBytes($$"""{"oid":"o{{i}}","user_id":"u{{i % users}}","t":{{T0 + i * 10}},"amount":{{i % 7}}}"""),
        }).ToList();
        await harness.Events.WriteAsync(stored);
        return (stored, new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("order_fetch", TestJobs.OrderFetch), harness.DataSource), enabled: true));
    }

    private KafkaMessageBus Bus() =>
        new(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
}

/// <summary>An output that takes <paramref name="delay"/> to write each batch.</summary>
internal sealed class SlowOutput(IJobOutput inner, TimeSpan delay) : IJobOutput
{
    public string Name => inner.Name;

    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken);
        await inner.WriteAsync(results, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A run-scoped data source that counts the runs it was asked for.</summary>
internal sealed class CountingRunSource(EventCenterDataSource inner) : IFeatureDataSource, IRunScopedDataSource
{
    private int runs;

    public int Runs => Volatile.Read(ref runs);

    public IFeatureDataSource ForRun()
    {
        Interlocked.Increment(ref runs);
        return inner.ForRun();
    }

    public string? Fetch(string source, string key, long asOfMs, Consistency consistency) => inner.Fetch(source, key, asOfMs, consistency);

    public string History(string source, string key, long sinceMs, long untilMs, int limit, Consistency consistency) =>
        inner.History(source, key, sinceMs, untilMs, limit, consistency);
}
