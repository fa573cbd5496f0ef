using FeaturePlatform.Testing.Servers;
namespace FeaturePlatform.EventCenter.Tests.Adapters.RabbitMq;

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "RabbitMQ";
}
