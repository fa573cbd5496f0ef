namespace FeaturePlatform.Runtime.Parameters;

/// <summary>One approved change of a job's parameters.</summary>
/// <param name="Version">Its id: the approval time (ms since the Unix epoch), strictly increasing per job.</param>
/// <param name="EffectiveAt">When it takes effect (ms): the approval time unless a later time was stated.</param>
/// <param name="Values">The parameters it sets (the others keep the values in force before it).</param>
/// <param name="ChangedBy">Who made it.</param>
/// <param name="Reason">Why.</param>
public sealed record ParameterChange(long Version, long EffectiveAt, IReadOnlyDictionary<string, object?> Values, string ChangedBy, string Reason);

/// <summary>
/// A job's parameter changes with their effective times. The values in force at time T are the declared defaults
/// overlaid with every change whose effective time is ≤ T, applied in (effective time, version) order. Immutable.
/// </summary>
public sealed class ParameterHistory
{
    /// <summary>A history of <paramref name="changes"/> (any order).</summary>
    public ParameterHistory(string job, IEnumerable<ParameterChange> changes)
    {
        Job = job;
        Changes = changes.OrderBy(c => c.EffectiveAt).ThenBy(c => c.Version).ToList();
    }

    /// <summary>The job.</summary>
    public string Job { get; }

    /// <summary>The changes in the order they apply: by effective time, then version.</summary>
    public IReadOnlyList<ParameterChange> Changes { get; }

    /// <summary>
    /// The operator-set values in force at <paramref name="time"/> (parameters absent use their defaults), or null
    /// when no change is in force yet.
    /// </summary>
    public ParameterSnapshot? InForceAt(long time)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        ParameterChange? last = null;
        var count = 0;
        foreach (var change in Changes)
        {
            if (change.EffectiveAt > time)
            {
                break;
            }
            foreach (var (name, value) in change.Values)
            {
                values[name] = value;
            }
            last = change;
            count++;
        }
        return last is null
            ? null
            : new ParameterSnapshot(Job, values, last.Version, last.ChangedBy, last.Reason)
            {
                EffectiveAt = last.EffectiveAt,
                Changes = count,
                NextChangeAt = NextChangeAfter(time),
            };
    }

    /// <summary>The first effective time after <paramref name="time"/> (a change approved for later), or null.</summary>
    public long? NextChangeAfter(long time) => Changes.FirstOrDefault(c => c.EffectiveAt > time)?.EffectiveAt;
}
