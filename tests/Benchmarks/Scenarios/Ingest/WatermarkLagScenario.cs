using System.Diagnostics;
using FeaturePlatform.Benchmarks.Harness;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Benchmarks.Scenarios.Ingest;

/// <summary>
/// Event-time watermarks under load with a quiet source in the same ingest group (Kafka mock, embedded event center):
/// how long after an on-time event is produced a fetch-strong read as of its time may go ahead (the wait a join pays),
/// and how far the quiet source's watermark trails the clock — each against the bound the sources declare
/// (busy: MaxOutOfOrderness; quiet: MaxDelay).
/// </summary>
internal sealed class WatermarkLagScenario : IBenchmarkScenario
{
    private static readonly TimeSpan OutOfOrderness = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public string Name => "watermark-lag";

    public string Description => "fetch-strong wait for on-time data of a busy source and the quiet source's watermark lag behind the clock, one ingest group, vs the declared bounds";

    public async Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context)
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        var busyTopic = UniqueName.For("busy");
        var quietTopic = UniqueName.For("quiet");
        cluster.CreateTopic(busyTopic, 8);
        cluster.CreateTopic(quietTopic, 4);
        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = cluster.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var busy = IngestWorkload.Source(busyTopic) with { MaxOutOfOrderness = OutOfOrderness, MaxDelay = MaxDelay };
        var quiet = IngestWorkload.Source(quietTopic) with { Name = "quiet", MaxDelay = MaxDelay };
        await using var center = await EventCenterFixture.CreateAsync(bus, [busy, quiet]);
        var ingest = new IngestOptions { GroupId = UniqueName.For("wm-lag"), MaxBatchWait = TimeSpan.FromMilliseconds(20), IdlePartitionTimeout = TimeSpan.FromMilliseconds(500) };
        var worker = center.CreateWorker(ingest);
        using var stop = new CancellationTokenSource();
        var run = worker.RunAsync(stop.Token);
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(quietTopic, [IngestWorkload.Message(90_000_001, Now() - 60_000)]);
        await producer.ProduceAsync(busyTopic, [IngestWorkload.Message(90_000_002, Now())]);
        while (center.Counters.Written < 2)
        {
            await Task.WhenAny(run, center.Signal.Current).WaitAsync(TimeSpan.FromSeconds(30), context.CancellationToken);
            if (run.IsCompleted)
            {
                await run; // the worker stopped: show why
                throw new InvalidOperationException("The ingest worker stopped before the warm-up was stored.");
            }
        }

        // ~5k events/s of on-time data (event time = produce time); every 10th batch one fetch-strong wait is measured.
        var batches = context.Quick ? 200 : 1_500;
        var waits = new List<Task<double>>();
        var quietLag = new List<double>();
        for (var b = 0; b < batches; b++)
        {
            var now = Now();
            var messages = Enumerable.Range(0, 50).Select(i => IngestWorkload.Message((b * 50) + i, now)).ToList();
            await producer.ProduceAsync(busyTopic, messages, context.CancellationToken);
            if (b % 10 == 0)
            {
                waits.Add(FetchStrongWaitAsync(center.Waiter, busy.Name, now, context.CancellationToken));
                if (await center.Watermarks.GetEventTimeAsync(quiet.Name, context.CancellationToken) is { } w && b > batches / 10)
                {
                    quietLag.Add(Now() - w);
                }
            }
            await Task.Delay(10, context.CancellationToken);
        }
        var waited = (await Task.WhenAll(waits)).Order().ToList();
        await stop.CancelAsync();
        await run;
        quietLag.Sort();
        context.Log($"busy source: {waited.Count} fetch-strong waits, p50 {Percentile(waited, 0.50):0} ms, p99 {Percentile(waited, 0.99):0} ms (MaxOutOfOrderness {OutOfOrderness.TotalMilliseconds:0} ms)");
        context.Log($"quiet source: watermark behind the clock p50 {Percentile(quietLag, 0.50):0} ms, p99 {Percentile(quietLag, 0.99):0} ms over {quietLag.Count} samples (MaxDelay {MaxDelay.TotalMilliseconds:0} ms)");
        // A fetch-strong read of on-time data waits for data MaxOutOfOrderness newer to be stored: the declared bound plus
        // one second of pipeline allowance. The quiet source trails the clock by its MaxDelay plus the idle check.
        var waitBound = OutOfOrderness.TotalMilliseconds + 1_000;
        var quietBound = MaxDelay.TotalMilliseconds + ingest.IdlePartitionTimeout.TotalMilliseconds;
        return
        [
            Measurement.AgainstTarget("fetch-strong wait for on-time data p50 (busy source)", Percentile(waited, 0.50), "ms", waitBound),
            Measurement.AgainstTarget("fetch-strong wait for on-time data p99 (busy source)", Percentile(waited, 0.99), "ms", waitBound),
            Measurement.AgainstTarget("quiet source watermark behind the clock p50", Percentile(quietLag, 0.50), "ms", quietBound),
            Measurement.AgainstTarget("quiet source watermark behind the clock p99", Percentile(quietLag, 0.99), "ms", quietBound),
            new("quiet source never closer to the clock than its MaxDelay", quietLag.Count == 0 ? 0 : quietLag[0], "ms", $"MaxDelay {MaxDelay.TotalMilliseconds:0} ms",
                MaxDelay.TotalMilliseconds, quietLag.Count == 0 ? 0 : quietLag[0] / MaxDelay.TotalMilliseconds),
        ];
    }

    private static async Task<double> FetchStrongWaitAsync(ConsistencyWaiter waiter, string source, long time, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await waiter.WaitForEventTimeAsync(source, time, TimeSpan.FromSeconds(30), cancellationToken);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
