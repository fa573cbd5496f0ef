using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.Testing.Kafka;
using FeaturePlatform.EventCenter.Tests.Bus;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Kafka;

/// <summary>The bus contract against a real Kafka-protocol broker: librdkafka's mock cluster (3 brokers).</summary>
[Collection(KafkaFixture.CollectionName)]
public sealed class KafkaMessageBusTests(KafkaFixture kafka) : MessageBusContractTests
{
    protected override Task<IMessageBus> OpenAsync() => Task.FromResult<IMessageBus>(new KafkaMessageBus(new KafkaBusOptions
    {
        BootstrapServers = kafka.BootstrapServers,
        // The mock cluster has no CreateTopics: topics are made through the mock API and only checked here.
        CreateTopics = false,
        SessionTimeout = TimeSpan.FromSeconds(6),
    }));

    protected override async Task<string> NewTopicAsync(IMessageBus bus, int partitions)
    {
        var topic = kafka.CreateTopic(partitions);
        await bus.CreateTopicAsync(topic, partitions);
        return topic;
    }

    protected override string NewGroup() => KafkaFixture.NewGroupId();

    [Fact]
    public async Task Creating_a_missing_topic_without_permission_to_create_is_a_clear_error()
    {
        await using var bus = await OpenAsync();
        var topic = "never-created-" + NewGroup();
        var error = await Assert.ThrowsAsync<TopicUnavailableException>(async () => await bus.CreateTopicAsync(topic, 1));
        Assert.Contains("CreateTopics", error.Message, StringComparison.Ordinal);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
    }
}
