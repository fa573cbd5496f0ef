using FeaturePlatform.Testing.HBaseThrift;

namespace FeaturePlatform.Runtime.Tests.Outputs;

/// <summary>Tests on the HBase Thrift2 fixture (no Python).</summary>
[CollectionDefinition(Name)]
public sealed class HBaseCollection : ICollectionFixture<HBaseThriftFixture>
{
    public const string Name = "runtime-hbase";
}
