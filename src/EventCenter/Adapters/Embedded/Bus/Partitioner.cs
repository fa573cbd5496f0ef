
namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>Chooses a partition: a stable hash of the key (FNV-1a), round-robin for keyless messages.</summary>
internal sealed class Partitioner
{
    private int roundRobin;

    public int Choose(byte[]? key, int partitions)
    {
        if (key is null)
        {
            return (int)((uint)Interlocked.Increment(ref roundRobin) % (uint)partitions);
        }
        var hash = 2166136261u;
        foreach (var b in key)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }
}
