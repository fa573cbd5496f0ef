using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Testing.Tests.Kafka;

/// <summary>All tests on the shared mock cluster: started once per assembly run.</summary>
[CollectionDefinition(KafkaFixture.CollectionName)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>;
