using System.Text;
using Confluent.Kafka;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.Testing.Kafka;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Kafka;

/// <summary>
/// The process runs librdkafka.redist's library, copied next to the assemblies by Directory.Build.targets. Without
/// that copy .NET falls back to the system's librdkafka without a word: on Debian that is 2.0.2, which loads and then
/// fails at the first consume (EntryPointNotFoundException).
/// </summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class RedistLibrdkafkaTests(KafkaFixture kafka)
{
    /// <summary>librdkafka.redist's version in Directory.Packages.props (bump both together).</summary>
    private const string RedistVersion = "2.16.0";

    [Fact]
    public async Task Confluent_Kafka_and_the_mock_cluster_share_the_redists_library_and_consume_works()
    {
        Assert.Equal(RedistVersion, Library.VersionString);
        Assert.True(File.Exists(LoadedLibrdkafka.ExpectedPath), $"{LoadedLibrdkafka.ExpectedPath} is missing: the build did not copy the redist's library");
        // The fixture's mock cluster (own P/Invokes) is up and Confluent.Kafka is loaded: one file serves both.
        Assert.Equal([LoadedLibrdkafka.ExpectedPath], LoadedLibrdkafka.MappedFiles());

        await using var bus = new KafkaMessageBus(new KafkaBusOptions { BootstrapServers = kafka.BootstrapServers, CreateTopics = false, SessionTimeout = TimeSpan.FromSeconds(6) });
        var topic = kafka.CreateTopic(1);
        await using (var producer = bus.CreateProducer())
        {
            await producer.ProduceAsync(topic, [new OutgoingMessage(null, Encoding.UTF8.GetBytes("redist"))]);
        }
        await using var consumer = bus.CreateConsumer(KafkaFixture.NewGroupId(), [topic]);
        var received = new List<BusMessage>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (received.Count == 0 && DateTime.UtcNow < deadline)
        {
            received.AddRange(await consumer.ConsumeAsync(10, TimeSpan.FromSeconds(1)));
        }
        Assert.Equal("redist", Encoding.UTF8.GetString(Assert.Single(received).Value));
    }
}
