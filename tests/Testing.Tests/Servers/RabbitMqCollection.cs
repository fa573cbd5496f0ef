using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.Testing.Tests.Servers;

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "RabbitMQ";
}
