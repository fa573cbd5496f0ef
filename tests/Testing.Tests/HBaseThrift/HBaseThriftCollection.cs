using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.Testing.Tests.HBaseThrift;

[CollectionDefinition(Name)]
public sealed class HBaseThriftCollection : ICollectionFixture<HBaseThriftFixture>
{
    public const string Name = "HBaseThrift";
}
