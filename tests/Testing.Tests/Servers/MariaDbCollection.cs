using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.Testing.Tests.Servers;

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbFixture>
{
    public const string Name = "MariaDB";
}
