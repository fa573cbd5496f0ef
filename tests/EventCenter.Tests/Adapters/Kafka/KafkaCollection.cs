using FeaturePlatform.Testing.Kafka;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Kafka;

[CollectionDefinition(KafkaFixture.CollectionName)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>;
