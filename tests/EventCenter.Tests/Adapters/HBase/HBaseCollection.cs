using FeaturePlatform.Testing.HBaseThrift;
namespace FeaturePlatform.EventCenter.Tests.Adapters.HBase;

[CollectionDefinition(Name)]
public sealed class HBaseCollection : ICollectionFixture<HBaseThriftFixture>
{
    public const string Name = "hbase-thrift";
}
