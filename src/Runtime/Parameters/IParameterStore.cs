namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// Parameter values of jobs as a history of changes with effective times, shared by every runtime process (it lives
/// in the event center's storage). The review workflow calls <see cref="SetAsync"/> when a change is approved; every
/// process applies the values in force now to its running job without a restart, and replays use the values in force
/// at each trigger event's time (<see cref="GetHistoryAsync"/>).
/// </summary>
public interface IParameterStore
{
    /// <summary>The values operators set for <paramref name="job"/> that are in force now, or null when none are (defaults apply).</summary>
    ValueTask<ParameterSnapshot?> GetAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every job's values in force now (a job with nothing in force yet but a change pending is listed with no values,
    /// 0 changes and its <see cref="ParameterSnapshot.NextChangeAt"/>).
    /// </summary>
    ValueTask<IReadOnlyList<ParameterSnapshot>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Every approved change of <paramref name="job"/> with its effective time (empty when none).</summary>
    ValueTask<ParameterHistory> GetHistoryAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a change of <paramref name="job"/>'s parameters (the others keep their values), after checking each
    /// value against the job's declaration: name, type, bounds, choices. It takes effect at
    /// <paramref name="effectiveAt"/> (ms since the Unix epoch), by default now (the approval time).
    /// </summary>
    /// <exception cref="ParameterValidationException">
    /// The job is unknown, a value is invalid, or <paramref name="effectiveAt"/> is in the past; nothing is stored.
    /// </exception>
    ValueTask<ParameterSnapshot> SetAsync(string job, IReadOnlyDictionary<string, object?> values, string changedBy, string reason,
        CancellationToken cancellationToken = default, long? effectiveAt = null);
}

/// <summary>The operator-set values of one job.</summary>
/// <param name="Job">The job.</param>
/// <param name="Values">Parameter name → value (long, double, bool or string); parameters absent use their defaults.</param>
/// <param name="Version">Approval time of the latest change in force (ms since the Unix epoch), increasing per change.</param>
/// <param name="ChangedBy">Who made the latest change.</param>
/// <param name="Reason">Why.</param>
public sealed record ParameterSnapshot(string Job, IReadOnlyDictionary<string, object?> Values, long Version, string ChangedBy, string Reason)
{
    /// <summary>When the latest change in force took (or, for a change just stored, takes) effect, ms.</summary>
    public long EffectiveAt { get; init; } = Version;

    /// <summary>How many changes are in force (grows as time passes: changes are never removed).</summary>
    public int Changes { get; init; }

    /// <summary>When the next change approved for later takes effect (ms), or null when none is pending.</summary>
    public long? NextChangeAt { get; init; }
}

/// <summary>A parameter change that does not fit the job's declaration.</summary>
public sealed class ParameterValidationException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public ParameterValidationException(string job, IReadOnlyList<string> problems)
        : base($"Invalid parameters for job '{job}': {string.Join("; ", problems)}")
    {
        Job = job;
        Problems = problems;
    }

    /// <summary>The job.</summary>
    public string Job { get; }

    /// <summary>One line per problem, naming the parameter.</summary>
    public IReadOnlyList<string> Problems { get; }
}
