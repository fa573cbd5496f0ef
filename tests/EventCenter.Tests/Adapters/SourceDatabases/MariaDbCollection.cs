using FeaturePlatform.Testing.Servers;
namespace FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbFixture>
{
    public const string Name = "MariaDB";
}
