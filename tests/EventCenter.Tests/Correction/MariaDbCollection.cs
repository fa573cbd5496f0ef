using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.EventCenter.Tests.Correction;

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbFixture>
{
    public const string Name = "MariaDB";
}
