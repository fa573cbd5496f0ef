using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Testing.Infrastructure;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>Readiness follows the ingest workers: batches that keep failing make it Degraded, a stored batch heals it.</summary>
public sealed class IngestionProgressTests
{
    [Fact]
    public async Task Ingest_batches_that_keep_failing_are_a_problem_naming_topic_and_cause_until_one_is_stored()
    {
        var topic = UniqueName.For("progress");
        var bus = new EmbeddedMessageBus(new EmbeddedBusOptions { Directory = Path.Combine(Path.GetTempPath(), UniqueName.For("progress-bus")) });
        await bus.CreateTopicAsync(topic, 2);
        await using var harness = await IngestHarness.StartAsync(bus, [new SourceDefinition { Name = "meters", Topics = [topic], KeyFields = ["id"] }]);
        var progress = new IngestionProgress(harness.Counters, TimeProvider.System, TimeSpan.FromSeconds(1));
        var writer = new BrokenWriter(harness.Events) { Broken = true };
        harness.StartWorker(writer);
        await using var producer = bus.CreateProducer();
        await producer.ProduceAsync(topic, [new OutgoingMessage("a"u8.ToArray(), Encoding.UTF8.GetBytes("""{"id":"a","v":1}"""))]);

        await IngestHarness.WaitUntilAsync(() => Task.FromResult(progress.Problems().Count > 0), "ingestion is reported as stalled");
        var problem = Assert.Single(progress.Problems());
        Assert.Contains(topic, problem, StringComparison.Ordinal);
        Assert.Contains("disk I/O error (test)", problem, StringComparison.Ordinal);

        writer.Broken = false;
        await IngestHarness.WaitUntilAsync(() => Task.FromResult(progress.Problems().Count == 0), "ingestion is healthy again");
        Assert.NotNull(await harness.Events.GetLatestEventAsync("meters", "a", long.MaxValue));
        Assert.NotNull(harness.Counters.LastBatchAt);
    }

    private sealed class BrokenWriter(IEventWriter inner) : IEventWriter
    {
        private volatile bool broken;

        public bool Broken
        {
            get => broken;
            set => broken = value;
        }

        public ValueTask<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken = default) =>
            broken ? throw new IOException("disk I/O error (test)") : inner.WriteAsync(events, cancellationToken);
    }
}
