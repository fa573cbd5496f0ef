using FeaturePlatform.Testing.Servers;

namespace FeaturePlatform.FeatureApi.Tests.Repair;

/// <summary>One PostgreSQL server for the tests of this assembly that need a source database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "FeatureApi PostgreSQL";
}
