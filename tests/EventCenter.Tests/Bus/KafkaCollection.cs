using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.EventCenter.Tests.Bus;

[CollectionDefinition(KafkaFixture.CollectionName)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>;
