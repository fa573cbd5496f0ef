
namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>
/// In-process membership of one consumer group: partitions of the subscribed topics are spread round-robin over
/// the members in join order; every join or leave starts a new generation, and each member picks up its new
/// assignment at its next consume (like a Kafka rebalance).
/// </summary>
internal sealed class ConsumerGroup(string groupId)
{
    private readonly Lock gate = new();
    private readonly List<EmbeddedBusConsumer> members = [];
    private readonly SortedSet<(string Topic, int Partition)> partitions = [];

    public string GroupId { get; } = groupId;

    public int Generation { get; private set; }

    public void Join(EmbeddedBusConsumer member, IEnumerable<(string Topic, int Partition)> memberPartitions)
    {
        lock (gate)
        {
            members.Add(member);
            partitions.UnionWith(memberPartitions);
            Generation++;
        }
    }

    public void Leave(EmbeddedBusConsumer member)
    {
        lock (gate)
        {
            if (members.Remove(member))
            {
                Generation++;
            }
        }
    }

    /// <summary>The partitions assigned to <paramref name="member"/> in the current generation.</summary>
    public (int Generation, IReadOnlyList<(string Topic, int Partition)> Assigned) AssignmentOf(EmbeddedBusConsumer member)
    {
        lock (gate)
        {
            var index = members.IndexOf(member);
            if (index < 0)
            {
                return (Generation, []);
            }
            var assigned = partitions.Where((_, i) => i % members.Count == index).ToList();
            return (Generation, assigned);
        }
    }
}
