using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>One Kafka mock cluster for this assembly's tests on Kafka; each test makes its own topics and groups.</summary>
[CollectionDefinition(Name)]
public sealed class FeatureApiKafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "featureapi-kafka";
}
