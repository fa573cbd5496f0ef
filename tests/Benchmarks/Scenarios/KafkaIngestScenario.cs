using System.Diagnostics;
using Confluent.Kafka;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.Benchmarks.Scenarios.Ingest;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Formats;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios;

/// <summary>
/// Kafka (mock cluster) → ingest job → embedded event center, against the slower of its two halves measured
/// alone in the same run: the raw consume rate of the same topic, and the event center's direct write rate of
/// the same events in consumption order. Then the watermark lag (produced → covered by the offset watermark) under a
/// steady load, and the storage writes of an idle minute after traffic.
/// </summary>
/// <remarks>
/// The backlog is 200,000 events (20,000 with --quick); environment variable <see cref="BacklogVariable"/> sets
/// it (e.g. 1000000 for the 1M-event backlog). The topic then gets count/10,000 partitions (the mock keeps ~5 MiB
/// per partition).
/// </remarks>
internal sealed class KafkaIngestScenario : IBenchmarkScenario
{
    /// <summary>Environment variable with the backlog size (events).</summary>
    public const string BacklogVariable = "FP_BENCH_KAFKA_BACKLOG";

    public string Name => "kafka-ingest";

    public string Description => $"Kafka mock → embedded event center ingest events/s vs min(raw consume, direct write in consumption order); watermark lag p50/p99; storage writes in an idle minute (backlog: ${BacklogVariable})";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        context.Log($"librdkafka {LoadedLibrdkafka.Describe()}");
        var backlog = int.TryParse(Environment.GetEnvironmentVariable(BacklogVariable), out var n) && n > 0 ? n : context.Quick ? 20_000 : 200_000;
        var workload = new IngestWorkload(backlog);
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        var topic = UniqueName.For("orders");
        cluster.CreateTopic(topic, workload.Partitions);
        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = cluster.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var source = IngestWorkload.Source(topic);
        await ProduceAsync(bus, topic, workload);
        context.Log($"{workload.Count:N0} messages produced to {workload.Partitions} partitions");

        var rounds = context.Quick ? 1 : 2;
        double consume = 0, write = 0, timeOrdered = 0, ingest = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var (c, consumed) = await Task.Run(() => RawConsume(cluster.BootstrapServers, topic, workload), context.CancellationToken);
            // The baseline writes the same events in the order a consumer of the topic receives them (as the ingest job
            // does): a backlog arrives partition by partition, which costs the time index more than time order does.
            var w = await DirectWriteRateAsync(source, consumed, context);
            var t = await DirectWriteRateAsync(source, TimeOrdered(topic, workload), context);
            var i = await IngestRateAsync(bus, source, workload, context);
            context.Log($"round {round}: raw consume {c:N0}/s, direct write {w:N0}/s (in time order {t:N0}/s), ingest {i:N0}/s");
            (consume, write, timeOrdered, ingest) = (Math.Max(consume, c), Math.Max(write, w), Math.Max(timeOrdered, t), Math.Max(ingest, i));
        }
        var baseline = Math.Min(consume, write);
        var (p50, p99, samples) = await WatermarkLagAsync(bus, cluster, source, context);
        context.Log($"watermark lag over {samples} samples: p50 {p50:0.0} ms, p99 {p99:0.0} ms");
        var idle = await IdleMinute.StorageWritesAsync(bus, cluster, source, context);
        return
        [
            Measurement.HigherIsBetter("kafka → event center ingest", ingest, "events/s",
                consume <= write ? "raw consume of the topic (the slower half)" : "direct event-center write (the slower half)", baseline),
            Measurement.HigherIsBetter("raw consume (reference)", consume, "msg/s", "direct event-center write", write),
            Measurement.HigherIsBetter("direct write in time order (reference)", timeOrdered, "events/s", "direct write in consumption order", write),
            Measurement.AgainstTarget("watermark lag p50 under load", p50, "ms", 1000),
            Measurement.AgainstTarget("watermark lag p99 under load", p99, "ms", 2000),
            new("storage writes in an idle minute after traffic", idle.Writes, "writes", "target 0 writes", 0, idle.Writes == 0 ? 1 : 0),
        ];
    }

    private static async Task ProduceAsync(IMessageBus bus, string topic, IngestWorkload workload)
    {
        await using var producer = bus.CreateProducer();
        foreach (var batch in workload.Batches(5000))
        {
            await producer.ProduceAsync(topic, batch);
        }
    }

    /// <summary>Consumes the whole topic with a plain consumer; returns the rate and the messages in the order received.</summary>
    private static (double Rate, List<RawMessage> Messages) RawConsume(string bootstrap, string topic, IngestWorkload workload)
    {
        var count = workload.Count;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = UniqueName.For("raw"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 50,
        }).Build();
        consumer.Assign(Enumerable.Range(0, workload.Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var messages = new List<RawMessage>(count);
        var watch = Stopwatch.StartNew();
        var limit = TimeSpan.FromMinutes(3 + (count / 200_000));
        while (messages.Count < count && watch.Elapsed < limit)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                messages.Add(new RawMessage(new SourcePosition(topic, result.Partition.Value, result.Offset.Value), result.Message.Key, result.Message.Value,
                    IngestWorkload.T0, []));
            }
        }
        return (messages.Count / watch.Elapsed.TotalSeconds, messages);
    }

    /// <summary>The workload's messages in production (event-time) order.</summary>
    private static List<RawMessage> TimeOrdered(string topic, IngestWorkload workload)
    {
        var messages = new List<RawMessage>(workload.Count);
        var offset = 0L;
        foreach (var batch in workload.Batches(5000))
        {
            foreach (var message in batch)
            {
                var position = new SourcePosition(topic, (int)(offset % workload.Partitions), offset++);
                messages.Add(new RawMessage(position, message.Key, message.Value, IngestWorkload.T0, []));
            }
        }
        return messages;
    }

    /// <summary>Parses the messages (not timed), then writes the events to a fresh event center in batches of 2000 (timed).</summary>
    private static async Task<double> DirectWriteRateAsync(SourceDefinition source, List<RawMessage> messages, ScenarioContext context)
    {
        var parsing = Stopwatch.StartNew();
        var events = messages.SelectMany(m => EventParsers.Parse(source, m, IngestWorkload.T0).Events).ToList();
        context.Log($"parse alone (reference): {events.Count / parsing.Elapsed.TotalSeconds:N0} messages/s");
        await using var center = await EventCenterFixture.CreateAsync();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < events.Count; i += 2000)
        {
            await center.Events.WriteAsync(events.GetRange(i, Math.Min(2000, events.Count - i)));
        }
        return events.Count / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> IngestRateAsync(IMessageBus bus, SourceDefinition source, IngestWorkload workload, ScenarioContext context)
    {
        var cancellationToken = context.CancellationToken;
        await using var center = await EventCenterFixture.CreateAsync(bus, [source]);
        var worker = center.CreateWorker(new IngestOptions { GroupId = UniqueName.For("ingest"), MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = worker.RunAsync(stop.Token);
        // Time from the first stored batch (the group join is not ingestion) to the last message.
        while (center.Counters.Messages == 0)
        {
            await center.Signal.Current.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        var firstBatch = center.Counters.Messages;
        var watch = Stopwatch.StartNew();
        var limit = TimeSpan.FromMinutes(5 + (workload.Count / 100_000));
        while (center.Counters.Messages < workload.Count && watch.Elapsed < limit)
        {
            await center.Signal.Current.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        var rate = (center.Counters.Messages - firstBatch) / watch.Elapsed.TotalSeconds;
        context.Log($"ingest: {center.Counters.Messages:N0} messages in {center.Counters.Batches:N0} batches");
        await stop.CancelAsync();
        await run;
        return rate;
    }

    /// <summary>Produces at a steady rate and measures, per produced batch, produce start → offset watermark covering it.</summary>
    private static async Task<(double P50, double P99, int Samples)> WatermarkLagAsync(IMessageBus bus, KafkaMockCluster cluster, SourceDefinition baseSource, ScenarioContext context)
    {
        var topic = UniqueName.For("lag");
        cluster.CreateTopic(topic, 16);
        var source = baseSource with { Topics = [topic] };
        await using var center = await EventCenterFixture.CreateAsync(bus, [source]);
        var worker = center.CreateWorker(new IngestOptions { GroupId = UniqueName.For("lag"), MaxBatchWait = TimeSpan.FromMilliseconds(5) });
        using var stop = new CancellationTokenSource();
        var run = worker.RunAsync(stop.Token);
        await using var producer = bus.CreateProducer();
        // Warm up: the group join and first fetches are not steady state.
        await producer.ProduceAsync(topic, [IngestWorkload.Message(-1)]);
        while (center.Counters.Messages == 0)
        {
            await center.Signal.Current.WaitAsync(TimeSpan.FromSeconds(30), context.CancellationToken);
        }

        const int PerBatch = 100;
        var batches = context.Quick ? 50 : 300;
        var interval = TimeSpan.FromMilliseconds(10); // ~10k events/s offered
        var lags = new List<double>();
        var pending = new List<(long StartTicks, IReadOnlyList<BusPosition> Positions)>();
        var checker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var signal = center.Signal.Current;
                (long, IReadOnlyList<BusPosition>)[] snapshot;
                lock (pending)
                {
                    snapshot = [.. pending];
                }
                foreach (var (start, positions) in snapshot)
                {
                    var covered = true;
                    foreach (var p in positions.GroupBy(p => p.Partition))
                    {
                        covered &= await center.Watermarks.GetOffsetAsync(source.Name, topic, p.Key) > p.Max(x => x.Offset);
                    }
                    if (covered)
                    {
                        var lag = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        lock (pending)
                        {
                            pending.RemoveAll(x => x.StartTicks == start);
                            lags.Add(lag);
                        }
                    }
                }
                try
                {
                    await signal.WaitAsync(TimeSpan.FromMilliseconds(20), stop.Token);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        for (var b = 0; b < batches; b++)
        {
            var started = Stopwatch.GetTimestamp();
            var positions = await producer.ProduceAsync(topic, Enumerable.Range(b * PerBatch, PerBatch).Select(i => IngestWorkload.Message(i, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ToList());
            lock (pending)
            {
                pending.Add((started, positions));
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed < interval)
            {
                await Task.Delay(interval - elapsed);
            }
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            lock (pending)
            {
                if (pending.Count == 0)
                {
                    break;
                }
            }
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await checker;
        await run;
        var sorted = lags.Order().ToArray();
        return sorted.Length == 0 ? (double.NaN, double.NaN, 0) : (Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted.Length);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
