using System.Text.Json;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// Parameter values a batch runs with instead of the job's current ones (a replay's values in force at an event's
/// time, a what-if run's overrides): name → value over the declared defaults. Each instance has a process-unique id;
/// the Python side checks a set's values once per id, so events that share a set share the check. Immutable.
/// </summary>
public sealed class JobParameterSet
{
    private static long s_next;

    /// <summary>A set of <paramref name="values"/> (long, double, bool or string; parameters absent use their defaults).</summary>
    public JobParameterSet(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values;
        Id = Interlocked.Increment(ref s_next);
        Json = JsonSerializer.Serialize(values);
    }

    /// <summary>Process-unique id.</summary>
    public long Id { get; }

    /// <summary>The values (over the defaults).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    internal string Json { get; }
}
