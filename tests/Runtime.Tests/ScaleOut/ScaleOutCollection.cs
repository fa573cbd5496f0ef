using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Runtime.Tests.ScaleOut;

/// <summary>Multi-process tests: the Kafka mock and the HBase Thrift server, shared by child runtime processes (no Python in this process).</summary>
[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<KafkaFixture>, ICollectionFixture<HBaseThriftFixture>
{
    public const string Name = "scale-out";
}
