using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// The declared <c>Trigger(source, where=…)</c> filters: which event types of a trigger source run the job. Applied
/// in one place, the run loop (<see cref="Execution.JobRunner"/>), which live, replay and calls all go through, so a
/// filtered event produces nothing on every path alike.
/// </summary>
public static class TriggerFilter
{
    /// <summary>The event types a <c>where</c> may name: <c>insert</c> (also admits snapshot reads), <c>update</c>, <c>delete</c>, <c>read</c> (snapshot reads), <c>message</c>.</summary>
    public static IReadOnlyList<string> Types { get; } = ["insert", "update", "delete", "read", "message"];

    /// <summary>The type name of <paramref name="operation"/>.</summary>
    public static string TypeOf(EventOperation operation) => operation switch
    {
        EventOperation.Insert => "insert",
        EventOperation.Update => "update",
        EventOperation.Delete => "delete",
        EventOperation.SnapshotRead => "read",
        _ => "message",
    };

    /// <summary>
    /// Whether <paramref name="e"/> runs the job: always when its source is not a trigger (a call's request source) or
    /// a trigger of its source has no filter; otherwise when a filter names its type.
    /// </summary>
    public static bool Admits(JobDeclaration declaration, ChangeEvent e)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(e);
        var type = TypeOf(e.Operation);
        var any = false;
        foreach (var trigger in declaration.Triggers)
        {
            if (trigger.Source != e.Source)
            {
                continue;
            }
            if (trigger.Where.Count == 0 || trigger.Where.Any(w => string.Equals(w, type, StringComparison.OrdinalIgnoreCase)
                || (type == "read" && string.Equals(w, "insert", StringComparison.OrdinalIgnoreCase))))
            {
                return true;
            }
            any = true;
        }
        return !any;
    }

    /// <summary>The events of <paramref name="events"/> that run the job (the same list when all do).</summary>
    public static IReadOnlyList<ChangeEvent> Apply(JobDeclaration declaration, IReadOnlyList<ChangeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return declaration.Triggers.All(t => t.Where.Count == 0) || events.All(e => Admits(declaration, e)) ? events : [.. events.Where(e => Admits(declaration, e))];
    }

    /// <summary>The first filter value that names no event type, or null when all are known.</summary>
    public static string? Unknown(JobDeclaration declaration) =>
        declaration?.Triggers.SelectMany(t => t.Where).FirstOrDefault(w => !Types.Contains(w, StringComparer.OrdinalIgnoreCase));
}
