namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>Unique names for per-test resources (queues, topics, databases, tables) on shared servers.</summary>
public static class UniqueName
{
    private static int counter;

    /// <summary>A lower-case name safe for queues, topics, tables and databases: prefix_pid_counter_random.</summary>
    public static string For(string prefix)
    {
        var n = Interlocked.Increment(ref counter);
        return $"{prefix}_{Environment.ProcessId}_{n}_{Random.Shared.Next(0x10000):x4}".ToLowerInvariant();
    }
}
