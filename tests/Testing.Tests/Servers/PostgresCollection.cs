using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.Testing.Tests.Servers;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
