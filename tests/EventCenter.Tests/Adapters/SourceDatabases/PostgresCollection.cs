using FeaturePlatform.Testing.Servers;
namespace FeaturePlatform.EventCenter.Tests.Adapters.SourceDatabases;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
