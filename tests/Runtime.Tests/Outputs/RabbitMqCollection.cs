using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>Tests on the shared RabbitMQ node (no Python).</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "runtime-rabbitmq";
}
