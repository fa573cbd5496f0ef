using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// The parameter values a run uses per trigger event: the values in force at the event's time (from the job's
/// <see cref="ParameterHistory"/>), with the run's explicit overrides on top (a what-if run). One
/// <see cref="JobParameterSet"/> per segment between effective times, so consecutive events share a set and Python
/// checks each set once. Counts the events per segment for the run's record (<see cref="Describe"/>). Thread-safe.
/// </summary>
public sealed class ParameterPlan
{
    private readonly long[] starts;
    private readonly Segment[] segments;
    private readonly long[] counts;

    private ParameterPlan(IReadOnlyDictionary<string, object?> overrides, Segment[] segments)
    {
        Overrides = overrides;
        this.segments = segments;
        starts = segments.Select(s => s.From ?? long.MinValue).ToArray();
        counts = new long[segments.Length];
    }

    /// <summary>The run's overrides (validated), empty when none.</summary>
    public IReadOnlyDictionary<string, object?> Overrides { get; }

    /// <summary>
    /// The plan of a run of the job declared by <paramref name="declaration"/>: <paramref name="history"/>'s values in
    /// force at each time, parameters the declaration no longer has left out (and recorded as ignored), and
    /// <paramref name="overrides"/> replacing the values of the parameters they name over the whole run.
    /// </summary>
    /// <exception cref="ParameterValidationException">An override, or a value of the history, does not fit the declaration.</exception>
    public static ParameterPlan Create(JobDeclaration declaration, ParameterHistory history, IReadOnlyDictionary<string, object?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(history);
        var checkedOverrides = overrides is { Count: > 0 } ? ParameterValidator.Normalise(declaration, overrides) : new Dictionary<string, object?>();
        var declared = declaration.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var times = history.Changes.Select(c => c.EffectiveAt).Distinct().Order().ToList();
        var list = new List<Segment> { Build(declaration, declared, null, times.Count > 0 ? times[0] : null, null, new Dictionary<string, object?>(), checkedOverrides) };
        for (var i = 0; i < times.Count; i++)
        {
            var inForce = history.InForceAt(times[i])!;
            list.Add(Build(declaration, declared, times[i], i + 1 < times.Count ? times[i + 1] : null, inForce.Version, inForce.Values, checkedOverrides));
        }
        return new ParameterPlan(checkedOverrides, [.. list]);
    }

    private static Segment Build(JobDeclaration declaration, HashSet<string> declared, long? from, long? to, long? change,
        IReadOnlyDictionary<string, object?> inForce, IReadOnlyDictionary<string, object?> overrides)
    {
        var kept = inForce.Where(kv => declared.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var ignored = inForce.Keys.Where(k => !declared.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var values = new Dictionary<string, object?>(ParameterValidator.Normalise(declaration, kept), StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }
        var full = declaration.Parameters.ToDictionary(p => p.Name, p => values.TryGetValue(p.Name, out var v) ? v : p.Default, StringComparer.Ordinal);
        return new Segment(from, to, change, new JobParameterSet(values), full, ignored, ParameterIdentity.Of(declaration, full));
    }

    /// <summary>The parameter set of each event (by its event time), counted for <see cref="Describe"/>.</summary>
    public JobParameterSet[] Assign(IReadOnlyList<ChangeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var sets = new JobParameterSet[events.Count];
        var last = -1;
        var run = 0L;
        for (var i = 0; i < events.Count; i++)
        {
            var index = IndexOf(events[i].EventTime);
            if (index != last)
            {
                if (last >= 0)
                {
                    Interlocked.Add(ref counts[last], run);
                }
                last = index;
                run = 0;
            }
            run++;
            sets[i] = segments[index].Set;
        }
        if (last >= 0)
        {
            Interlocked.Add(ref counts[last], run);
        }
        return sets;
    }

    /// <summary>What the run used so far: the segments that ran events, with their full values (defaults included).</summary>
    public RunParameters Describe() => new(Overrides, segments
        .Select((s, i) => new ParameterSegment(s.From, s.To, s.Change, s.FullValues, s.Ignored, Interlocked.Read(ref counts[i])))
        .Where(s => s.Events > 0)
        .ToList());

    private int IndexOf(long time)
    {
        var i = Array.BinarySearch(starts, time);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>The <see cref="ParameterIdentity"/> of the values an event at <paramref name="time"/> runs with.</summary>
    public string IdentityAt(long time) => segments[IndexOf(time)].Identity;

    private sealed record Segment(long? From, long? To, long? Change, JobParameterSet Set, IReadOnlyDictionary<string, object?> FullValues, IReadOnlyList<string> Ignored,
        string Identity);
}

/// <summary>The parameter values a run used.</summary>
/// <param name="Overrides">The run's explicit overrides (a what-if run), empty when none.</param>
/// <param name="Segments">Per stretch of event time with one set of values, the values and how many events used them.</param>
public sealed record RunParameters(IReadOnlyDictionary<string, object?> Overrides, IReadOnlyList<ParameterSegment> Segments);

/// <summary>Parameter values used for the trigger events of one stretch of event time.</summary>
/// <param name="From">Start of the stretch (ms, inclusive; null: from the beginning), the effective time of <paramref name="Change"/>.</param>
/// <param name="To">End (ms, exclusive; null: open), the next change's effective time.</param>
/// <param name="Change">Version of the latest change in force (null: none, the defaults).</param>
/// <param name="Values">Every declared parameter's value used (defaults, changes in force, overrides).</param>
/// <param name="Ignored">Parameters of the changes in force that the job no longer declares (not used).</param>
/// <param name="Events">Trigger events that ran with these values.</param>
public sealed record ParameterSegment(long? From, long? To, long? Change, IReadOnlyDictionary<string, object?> Values, IReadOnlyList<string> Ignored, long Events);
