using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Kafka;

namespace FeaturePlatform.Runtime.Tests.Cluster;

/// <summary>
/// The cluster fault tier: platform hosts in network namespaces on a Kafka mock and an HBase Thrift server of their
/// own (faults on them must not disturb other collections). Scenarios run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterFaultCollection : ICollectionFixture<KafkaFixture>, ICollectionFixture<HBaseThriftFixture>
{
    public const string Name = "cluster-faults";
}
