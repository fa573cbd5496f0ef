using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Bus.Kafka;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.EventCenter.Tests.Ingestion;

[Collection(KafkaFixture.CollectionName)]
public sealed class KafkaIngestionTests(KafkaFixture kafka) : IngestionEndToEndTests
{
    protected override IMessageBus OpenBus() => new KafkaMessageBus(new KafkaBusOptions
    {
        BootstrapServers = kafka.BootstrapServers,
        CreateTopics = false,
        SessionTimeout = TimeSpan.FromSeconds(6),
    });

    protected override async Task<string> NewTopicAsync(IMessageBus bus, int partitions)
    {
        var topic = kafka.CreateTopic(partitions);
        await bus.CreateTopicAsync(topic, partitions);
        return topic;
    }
}
